/**
 * The base of every PostgreSQL dynamic resource (databases, roles, tables, publications,
 * subscriptions, replication bundles, guards): all of them share ONE dynamic provider, the
 * dispatcher of components/postgres/providers/dispatch.ts, and name their kind in the input
 * `__kind` (`KIND_KEY`).
 *
 * Why one provider: the Pulumi SDK serialises each distinct provider object's code with the V8
 * inspector when the first resource using it is constructed. Nine providers whose code overlaps
 * (the bundle contains four of them) cost 1.3-1.9 s of CPU per program run, most of it twice over;
 * the dispatcher carries each function once and serialises in 0.7-0.9 s (docs/scale.md). The type
 * token (`pulumi-nodejs:dynamic:Resource`), the names and so the URNs are unchanged; resources
 * created by the earlier per-kind providers keep working (see providers/dispatch.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { KIND_KEY, PgResourceKind, pgProvider } from "./providers/dispatch";

export abstract class PgResource extends pulumi.dynamic.Resource {
    constructor(kind: PgResourceKind, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        super(pgProvider, name, { ...props, [KIND_KEY]: kind }, opts);
    }
}
