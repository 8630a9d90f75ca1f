/**
 * Which provider serves which kind of PostgreSQL resource. The package's provider plugin
 * (provider/pg-plugin.ts) routes each engine call by the resource's type token
 * (providers/resource-types.ts) to the provider of its kind; tests and the demo's in-process
 * engine call the same providers directly.
 */
import type * as pulumi from "@pulumi/pulumi";
import { postgresDatabaseProvider } from "./database";
import { monitoringRoleProvider } from "./monitoring-role";
import { catalogTablesProvider } from "../../replication/providers/catalog-tables";
import { replicationRoleProvider } from "../../replication/providers/role";
import { publicationProvider } from "../../replication/providers/publication";
import { subscriptionProvider } from "../../replication/providers/subscription";
import { replicationBundleProvider } from "../../replication/providers/bundle";
import { edgePriorityProvider } from "../../replication/providers/edge-priority";
import { connectRestrictionProvider } from "../../replication/providers/connect-restriction";
import { facilitySeedProvider } from "../../fallback/providers/facility-seed";
import { PG_RESOURCE_TYPES, PgResourceKind, pgKindOfType } from "./resource-types";

/** The CRUD of one kind: the dynamic-provider shape, which every kind's provider module has. */
export type PgKindProvider = pulumi.dynamic.ResourceProvider;

export const PG_PROVIDERS: Readonly<Record<PgResourceKind, PgKindProvider>> = {
    database: postgresDatabaseProvider,
    monitoringRole: monitoringRoleProvider,
    tables: catalogTablesProvider,
    role: replicationRoleProvider,
    publication: publicationProvider,
    subscription: subscriptionProvider,
    bundle: replicationBundleProvider,
    edgePriority: edgePriorityProvider,
    connectRestriction: connectRestrictionProvider,
    facilitySeed: facilitySeedProvider,
};

/** The provider of a type token; throws naming the allowed tokens for any other. */
export function providerOfType(type: string): PgKindProvider {
    const kind = pgKindOfType(type);
    if (kind === undefined) {
        throw new Error(`unknown resource type ${JSON.stringify(type)}: this provider serves ${Object.values(PG_RESOURCE_TYPES).join(", ")}`);
    }
    return PG_PROVIDERS[kind];
}
