/**
 * The ReplicationMesh's input model: nodes (databases) and flows (table sets replicated from one
 * node to another). Pure types and defaults; no Pulumi runtime imports.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Zone } from "../shared/sovereignty";
import type { PgConnectionInput } from "../postgres/connection";
import type { ReplicationCapacity } from "./capacity";
import type { RowFilter } from "./row-filter";

export type NodeRole = "edge" | "regional";
export const NODE_ROLES: readonly NodeRole[] = ["edge", "regional"];

/** One database taking part in the mesh. */
export interface MeshNode {
    /** Unique name in the mesh: a plain lower-case identifier, used in publication/subscription/slot names (e.g. `edge_la`, `us_east_blue`). Required. */
    name: string;
    /** Sovereignty zone of the data stored there. Required. */
    zone: Zone;
    /** `edge` (factory) or `regional` (cloud; gets the edge-priority guard). Required. */
    role: NodeRole;
    /** Admin connection used by Pulumi (password as a secret). Must be able to create roles, publications and subscriptions. Required. */
    connection: pulumi.Input<PgConnectionInput>;
    /** Host subscribers use to reach this node when it publishes; default `connection.host` (differs when Pulumi runs outside the network). */
    replicationHost?: pulumi.Input<string>;
    /** Port subscribers use to reach this node; default `connection.port`. */
    replicationPort?: pulumi.Input<number>;
    /** Password for this node's replication role (secret); default a generated random password. */
    replicationPassword?: pulumi.Input<string>;
    /** Extra roles granted to the replication role, e.g. `["rds_replication"]` on RDS where the REPLICATION attribute is unavailable; default none. */
    replicationGrantRoles?: string[];
    /** Label shared by nodes on the same PostgreSQL server (blue and green on one RDS instance): capacity is counted per server; default: the node's own name. */
    server?: string;
    /** Replication capacity configured on the server (see capacity.ts); default PostgreSQL's defaults. */
    capacity?: ReplicationCapacity;
    /** Create the catalog tables this node needs (CREATE TABLE IF NOT EXISTS) before publishing/subscribing; default true. */
    manageSchema?: boolean;
    /**
     * Unreachable for now (a factory whose link is down): subscriptions reading from it stay
     * declared but disabled, and the objects the mesh keeps on it are frozen (`ignoreChanges: ["*"]`,
     * `retainOnDelete`) so nothing is asked of it; default false.
     */
    offline?: boolean;
    /**
     * Managed by another stack (a peer region's peering database): the mesh creates nothing there
     * (no tables, role, publication or subscription) and never holds its admin login. `connection`
     * then logs in as that publisher's replication role (the user and password its stack
     * publishes), which is all a subscriber needs: it goes into the subscription's conninfo and
     * creates and drops this mesh's own slots there (REPLICATION / `rds_replication` allows both).
     * Such a node only publishes, through the existing publication each flow names in
     * `publication`. Default false.
     */
    external?: boolean;
}

/** Subscription options of a flow. */
export interface FlowOptions {
    /** Copy existing rows when the subscription starts; default true (forced to false on the second direction of a two-way pair). */
    copyData?: boolean;
    /** Stream large in-progress transactions: `off`, `on` or `parallel`; default `parallel`. */
    streaming?: "off" | "on" | "parallel";
    /** Binary transfer of column values; default true (both ends are PostgreSQL 16 with the same types). */
    binary?: boolean;
    /**
     * Disable the subscription on an error instead of retrying; default false. In PostgreSQL 16 a
     * lost connection to the publisher is such an error too, so `true` turns every edge outage into
     * a disabled subscription needing a manual ENABLE (found by the outage tests). Retrying apply
     * errors show in status and in the MeshApplyErrors alert.
     */
    disableOnError?: boolean;
    /** `any` forwards changes that arrived by replication, `none` only local changes; default `any`, forced to `none` in a two-way pair. */
    origin?: "any" | "none";
    /** What the publication sends; default all of insert, update, delete, truncate. */
    publish?: PublishAction[];
}

export type PublishAction = "insert" | "update" | "delete" | "truncate";
export const PUBLISH_ACTIONS: readonly PublishAction[] = ["insert", "update", "delete", "truncate"];

/** Tables replicated from one node to another. */
export interface MeshFlow {
    /** Publishing node name. Required. */
    from: string;
    /** Subscribing node name. Required. */
    to: string;
    /** Catalog tables carried (see TABLE_CATALOG); at least one. Required. */
    tables: string[];
    /** Only rows matching this filter are published; default: all rows. */
    rowFilter?: RowFilter;
    /** Subscription and publication options; defaults as documented on {@link FlowOptions}. */
    options?: FlowOptions;
    /**
     * The existing publication to subscribe to when `from` is an `external` node (required then,
     * refused otherwise: the mesh names the publications it creates itself). From an external
     * node, `tables` and `rowFilter` state what that publication carries; the subscription refuses
     * a publication carrying a table not listed. Default: the mesh's own `mesh_<from>_to_<to>`.
     */
    publication?: string;
}

/**
 * A publication offered to subscribers that other stacks manage (peer regions subscribe to it
 * from their own stacks), with a login role of its own for them. PostgreSQL has no privileges on
 * publications: a replication login can stream ANY publication of a database it may CONNECT to,
 * whatever its SELECT grants. So the mesh also revokes CONNECT from PUBLIC on every database it
 * manages on the same server (the role keeps CONNECT on its own database only): give the offered
 * publication a database that holds nothing else (the stacks' peering database).
 */
export interface MeshPublication {
    /** Publishing node (managed here, not `external`). Required. */
    node: string;
    /** Publication name (plain identifier), as the subscribers' stacks will name it. Required. */
    name: string;
    /** Catalog tables published; at least one. Required. */
    tables: string[];
    /** Only rows matching this filter are published; default: all rows. */
    rowFilter?: RowFilter;
    /** Zones the subscribers are in: the tables must be allowed to flow into each (sovereignty). At least one. Required. */
    subscriberZones: Zone[];
    /** Replication slots the subscribers will create on the node's server (counted against its capacity; 0 = offered, none yet); default 1. */
    subscribers?: number;
    /** Login role of the subscribers (LOGIN + replication, CONNECT on this database, SELECT on `tables` only); default `<name>_reader`. */
    roleName?: string;
    /** Its password (secret); default a generated random password (32 characters). */
    password?: pulumi.Input<string>;
    /** Actions published; default all of insert, update, delete, truncate. */
    publish?: PublishAction[];
}

/** A {@link MeshPublication} after validation, defaults applied. */
export interface PlannedPublication extends Omit<MeshPublication, "subscribers" | "roleName" | "publish"> {
    /** Index in `publications`, for messages. */
    index: number;
    subscribers: number;
    roleName: string;
    publish: PublishAction[];
}

/** Defaults applied to {@link FlowOptions}. */
export const DEFAULT_FLOW_OPTIONS: Required<FlowOptions> = {
    copyData: true,
    streaming: "parallel",
    binary: true,
    disableOnError: false,
    origin: "any",
    publish: ["insert", "update", "delete", "truncate"],
};

/** A flow after validation, with derived names and effective options. */
export interface PlannedFlow {
    /** Index in `flows`, for messages. */
    index: number;
    from: string;
    to: string;
    tables: string[];
    rowFilter?: RowFilter;
    /** Effective options (defaults applied, two-way rules applied). */
    options: Required<FlowOptions>;
    /** Publication on `from`: `mesh_<from>_to_<to>` (created by the mesh), or the flow's `publication` from an external node. */
    publicationName: string;
    /** Subscription on `to`, and its slot on `from`: same name as the publication. */
    subscriptionName: string;
    /** True when the opposite flow exists and shares a table (origin = none both ways). */
    twoWay: boolean;
}

/** The non-secret shape of a mesh (the ReplicationMesh `topology` output). */
export interface MeshTopology {
    nodes: { name: string; zone: string; role: string; host: string; port: number; database: string; user: string }[];
    flows: { from: string; to: string; subscriptionName: string; tables: string[] }[];
}
