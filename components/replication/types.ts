/**
 * The ReplicationMesh's input model: nodes (databases) and flows (table sets replicated from one
 * node to another). Pure types and defaults; no Pulumi runtime imports.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Zone } from "../sovereignty";
import type { PgConnectionInput } from "../postgres/connection";
import type { ReplicationCapacity } from "../replication-capacity";
import type { RowFilter } from "./row-filter";

export type NodeRole = "edge" | "regional";
export const NODE_ROLES: readonly NodeRole[] = ["edge", "regional"];

/** One database taking part in the mesh. */
export interface MeshNode {
    /** Unique name in the mesh: a plain lower-case identifier, used in publication/subscription/slot names (e.g. `edge_la`, `us_east_blue`). */
    name: string;
    /** Sovereignty zone of the data stored there. */
    zone: Zone;
    /** `edge` (factory) or `regional` (cloud; gets the edge-priority guard). */
    role: NodeRole;
    /** Admin connection used by Pulumi (password as a secret). Must be able to create roles, publications and subscriptions. */
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
    /** Replication capacity configured on the server (see replication-capacity.ts); default PostgreSQL's defaults. */
    capacity?: ReplicationCapacity;
    /** Create the catalog tables this node needs (CREATE TABLE IF NOT EXISTS) before publishing/subscribing; default true. */
    manageSchema?: boolean;
    /**
     * Unreachable for now (a factory whose link is down): subscriptions reading from it stay
     * declared but disabled, and the objects the mesh keeps on it are frozen (`ignoreChanges: ["*"]`,
     * `retainOnDelete`) so nothing is asked of it; default false.
     */
    offline?: boolean;
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
    /** Publishing node name. */
    from: string;
    /** Subscribing node name. */
    to: string;
    /** Catalog tables carried (see TABLE_CATALOG); at least one. */
    tables: string[];
    /** Only rows matching this filter are published; default: all rows. */
    rowFilter?: RowFilter;
    /** Subscription and publication options; defaults as documented on {@link FlowOptions}. */
    options?: FlowOptions;
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
    /** Publication on `from` (one per flow): `mesh_<from>_to_<to>`. */
    publicationName: string;
    /** Subscription on `to`, and its slot on `from`: same name as the publication. */
    subscriptionName: string;
    /** True when the opposite flow exists and shares a table (origin = none both ways). */
    twoWay: boolean;
}
