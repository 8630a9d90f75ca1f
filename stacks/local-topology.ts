/**
 * The local stack's mesh (the `local` tier, and `npm run demo` which deploys it): two factories (LA in the US, Frankfurt in the EU), the us-east region with a
 * blue and a green database on ONE server (the same-cluster slot trap), and the eu-central region.
 *
 *   edge_la  ──operational (facility-la-001)──▶ us_east_blue ──everything──▶ us_east_green
 *   edge_la  ◀──master data (tenant acme)────── us_east_blue
 *   edge_fra ──operational (facility-fra-001)─▶ eu_central
 *   edge_fra ◀──master data (tenant acme)────── eu_central
 *   eu_central ◀──inventory_snapshots (two-way, origin none)──▶ us_east_blue
 *
 * Everything here is plain data for ReplicationMesh; the component validates it.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PgConnectionInput } from "../components/postgres/connection";
import type { ReplicationCapacity } from "../components/replication-capacity";
import type { ReplicationMeshArgs } from "../components/replication-mesh";
import { flowObjectName } from "../components/replication/naming";
import { tablesOfClass } from "../components/sovereignty";

export const FACILITY_LA = "facility-la-001";
export const FACILITY_FRA = "facility-fra-001";
export const TENANT = "acme";

/** The mesh node names (plain identifiers: they become publication, slot and role names). */
export const NODES = {
    edgeLa: "edge_la",
    edgeFra: "edge_fra",
    blue: "us_east_blue",
    green: "us_east_green",
    euCentral: "eu_central",
} as const;
export type DemoNode = (typeof NODES)[keyof typeof NODES];

/** The subscription keeping green in step with blue (its slot on blue has the same name). */
export const BLUE_TO_GREEN = flowObjectName(NODES.blue, NODES.green);

/** What the mesh needs to know about each node's database. */
export interface DemoNodeConnections {
    /** Admin connection per node (superuser of the local instance). */
    admin: Record<DemoNode, PgConnectionInput>;
    /** Replication-role password per publishing node (secret inputs of the mesh). */
    replicationPasswords: Record<DemoNode, pulumi.Input<string>>;
    /** Replication capacity of each node's server, as it was started. */
    capacity: Record<DemoNode, ReplicationCapacity>;
}

const OPERATIONAL = tablesOfClass("operational");
const MASTER = tablesOfClass("master");
const facility = (id: string) => ({ column: "facility_id", equals: id });
const tenant = { column: "tenant_id", equals: TENANT };

function node(name: DemoNode, zone: "us" | "eu", role: "edge" | "regional", c: DemoNodeConnections, server?: string) {
    return {
        name, zone, role,
        connection: c.admin[name],
        replicationPassword: c.replicationPasswords[name],
        capacity: c.capacity[name],
        ...(server ? { server } : {}),
    };
}

/** The demo's mesh: every node and flow of the picture above. */
export function demoMeshArgs(c: DemoNodeConnections): ReplicationMeshArgs {
    return {
        nodes: [
            node(NODES.edgeLa, "us", "edge", c),
            node(NODES.edgeFra, "eu", "edge", c),
            node(NODES.blue, "us", "regional", c, "us_east"),
            node(NODES.green, "us", "regional", c, "us_east"),
            node(NODES.euCentral, "eu", "regional", c),
        ],
        flows: [
            { from: NODES.edgeLa, to: NODES.blue, tables: OPERATIONAL, rowFilter: facility(FACILITY_LA) },
            { from: NODES.blue, to: NODES.edgeLa, tables: MASTER, rowFilter: tenant },
            { from: NODES.edgeFra, to: NODES.euCentral, tables: OPERATIONAL, rowFilter: facility(FACILITY_FRA) },
            { from: NODES.euCentral, to: NODES.edgeFra, tables: MASTER, rowFilter: tenant },
            // Green holds everything blue holds; origin any so rows blue received from LA are forwarded.
            { from: NODES.blue, to: NODES.green, tables: [...OPERATIONAL, ...MASTER, "inventory_snapshots"] },
            // Regions share aggregates both ways (the mesh makes this pair origin = none).
            { from: NODES.euCentral, to: NODES.blue, tables: ["inventory_snapshots"] },
            { from: NODES.blue, to: NODES.euCentral, tables: ["inventory_snapshots"] },
        ],
    };
}

/** One line per flow of the plan, for the narration. */
export function describeFlows(args: ReplicationMeshArgs): string[] {
    return (args.flows ?? []).map((flow) => {
        const filter = flow.rowFilter ? ` where ${flow.rowFilter.column} = ${"equals" in flow.rowFilter ? flow.rowFilter.equals : flow.rowFilter.in.join("|")}` : "";
        return `${flow.from} → ${flow.to}: ${flow.tables.join(", ")}${filter}`;
    });
}
