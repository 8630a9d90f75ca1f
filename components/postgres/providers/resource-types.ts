/**
 * The type token of each kind of PostgreSQL resource: what the resource classes register, what the
 * package's provider plugin (provider/) routes by, and what the policy pack recognises. Pure data,
 * so that all three can import it.
 */

/** The package name in every token: the engine runs `pulumi-resource-agogsaas` for them. */
export const PG_PACKAGE = "agogsaas";

export const PG_RESOURCE_TYPES = {
    database: "agogsaas:postgres:Database",
    monitoringRole: "agogsaas:postgres:MonitoringRole",
    tables: "agogsaas:replication:CatalogTables",
    role: "agogsaas:replication:Role",
    publication: "agogsaas:replication:Publication",
    subscription: "agogsaas:replication:Subscription",
    bundle: "agogsaas:replication:Bundle",
    edgePriority: "agogsaas:replication:EdgePriorityGuard",
    connectRestriction: "agogsaas:replication:ConnectRestriction",
    facilitySeed: "agogsaas:fallback:FacilitySeed",
} as const;

export type PgResourceKind = keyof typeof PG_RESOURCE_TYPES;
export type PgResourceType = (typeof PG_RESOURCE_TYPES)[PgResourceKind];

const KIND_OF_TYPE: ReadonlyMap<string, PgResourceKind> = new Map(
    (Object.entries(PG_RESOURCE_TYPES) as [PgResourceKind, string][]).map(([kind, type]) => [type, kind]),
);

/** The kind a type token names; undefined for any other type. */
export function pgKindOfType(type: string): PgResourceKind | undefined {
    return KIND_OF_TYPE.get(type);
}

export function isPgResourceType(type: string): type is PgResourceType {
    return KIND_OF_TYPE.has(type);
}

/**
 * Before the plugin (package version 0.1.x), every PostgreSQL resource was a dynamic resource of
 * this type, served by one dynamic provider whose code was stored in the input `__provider` and
 * which named the resource's kind in `__kind`. The resource classes alias this type, and the plugin
 * drops those two keys from old state, so that `pulumi up` moves such a stack over in place.
 */
export const LEGACY_DYNAMIC_TYPE = "pulumi-nodejs:dynamic:Resource";
export const LEGACY_STATE_KEYS = ["__provider", "__kind"] as const;
