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
import type { PgConnectionInput, ReplicationCapacity, ReplicationMeshArgs } from "@agogsaas/pulumi";
import { flowObjectName } from "../components/replication/naming";
import { tablesOfClass } from "../components/shared/sovereignty";

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
/** One facility: `facility_id = id`; several (an edge hosting more than one): `facility_id IN (...)`. */
export const facilityFilter = (ids: readonly string[]) => ids.length === 1 ? { column: "facility_id", equals: ids[0] } : { column: "facility_id", in: [...ids] };
/** The demo's one tenant: its master data reaches the edges. */
export const TENANT_FILTER = { column: "tenant_id", equals: TENANT };

function node(name: DemoNode, zone: "us" | "eu", role: "edge" | "regional", c: DemoNodeConnections, server?: string) {
    return {
        name, zone, role,
        connection: c.admin[name],
        replicationPassword: c.replicationPasswords[name],
        capacity: c.capacity[name],
        ...(server ? { server } : {}),
    };
}

/** What a stack may change in the picture above (the local stack's config). */
export interface DemoMeshOptions {
    /** Facilities each edge hosts (its operational flow's row filter); default LA: [facility-la-001], Frankfurt: [facility-fra-001]. */
    edgeFacilities?: { edge_la?: readonly string[]; edge_fra?: readonly string[] };
    /** Aggregate tables the regions share both ways; default ["inventory_snapshots"]. */
    aggregateTables?: readonly string[];
}

/** The demo's mesh: every node and flow of the picture above. */
export function demoMeshArgs(c: DemoNodeConnections, options: DemoMeshOptions = {}): ReplicationMeshArgs {
    const la = options.edgeFacilities?.edge_la ?? [FACILITY_LA];
    const fra = options.edgeFacilities?.edge_fra ?? [FACILITY_FRA];
    const aggregates = [...(options.aggregateTables ?? ["inventory_snapshots"])];
    return {
        nodes: [
            node(NODES.edgeLa, "us", "edge", c),
            node(NODES.edgeFra, "eu", "edge", c),
            node(NODES.blue, "us", "regional", c, "us_east"),
            node(NODES.green, "us", "regional", c, "us_east"),
            node(NODES.euCentral, "eu", "regional", c, "eu_central"),
        ],
        flows: [
            { from: NODES.edgeLa, to: NODES.blue, tables: OPERATIONAL, rowFilter: facilityFilter(la) },
            { from: NODES.blue, to: NODES.edgeLa, tables: MASTER, rowFilter: TENANT_FILTER },
            { from: NODES.edgeFra, to: NODES.euCentral, tables: OPERATIONAL, rowFilter: facilityFilter(fra) },
            { from: NODES.euCentral, to: NODES.edgeFra, tables: MASTER, rowFilter: TENANT_FILTER },
            // Green holds everything blue holds; origin any so rows blue received from LA are forwarded.
            { from: NODES.blue, to: NODES.green, tables: [...OPERATIONAL, ...MASTER, ...aggregates] },
            // Regions share aggregates both ways (the mesh makes this pair origin = none).
            { from: NODES.euCentral, to: NODES.blue, tables: aggregates },
            { from: NODES.blue, to: NODES.euCentral, tables: aggregates },
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
