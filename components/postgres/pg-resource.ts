/**
 * The base of every PostgreSQL resource (databases, roles, tables, publications, subscriptions,
 * replication bundles, guards): a custom resource of this package's provider plugin,
 * `pulumi-resource-agogsaas` (provider/), with one type token per kind
 * (providers/resource-types.ts).
 *
 * Why a plugin and not dynamic providers: a dynamic resource stores its provider's serialised
 * code in state (~121 KB per resource, docs/scale.md) and works only from TypeScript.
 *
 * The alias to the dynamic type keeps resources deployed by 0.1.x (one dynamic provider for all
 * kinds) the same resources: `pulumi up` updates them in place to the plugin (docs/provider.md).
 */
import * as pulumi from "@pulumi/pulumi";
import { LEGACY_DYNAMIC_TYPE, PG_RESOURCE_TYPES, PgResourceKind } from "./providers/resource-types";

export abstract class PgResource extends pulumi.CustomResource {
    constructor(kind: PgResourceKind, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        super(PG_RESOURCE_TYPES[kind], name, props, { ...opts, aliases: [...(opts?.aliases ?? []), { type: LEGACY_DYNAMIC_TYPE }] });
    }
}
