/**
 * The regional stack's replication mesh, planned from config (pure: no resources, no connections).
 *
 * Who writes what decides the wiring:
 * - operational rows are written only at the edge (the edge-priority guard refuses regional
 *   writes), master data and aggregates by the regional app in the ACTIVE colour;
 * - blue and green must both hold everything, so a switch (or a rollback) loses nothing.
 *
 * Blue and green replicate both ways (the tables the regional app writes: master and aggregate),
 * which PostgreSQL 16 can only do loop-free with `origin = none` on both subscriptions. But
 * `origin = none` also drops every change that arrived by replication, so a colour can never relay
 * an edge's or a peer's rows to the other colour. Hence:
 *
 *   edge ──operational, facility_id = <id>──▶ blue  and  ──▶ green    (both colours, directly)
 *   blue ◀──master + aggregate, origin none──▶ green                  (the colour pair)
 *   anchor (blue) ──master, tenant_id = <tenant>──▶ edge              (origin any: relays green's writes)
 *   anchor (blue) ──aggregate, region = <stack>──▶ peer blue and peer green
 *
 * Nothing here depends on `activeColor`: a switch flips Service selectors and no replication
 * object. The anchor colour only decides which colour publishes to edges and peers; it receives
 * the other colour's writes through the pair and forwards them (origin any on those
 * subscriptions). Aggregates between regions carry a `region` row filter, so rows never return
 * to the region that wrote them even though both regions' meshes (in different stacks) carry the
 * same tables both ways. Each stack declares only flows published by its own anchor: the objects
 * it creates on a peer's server (one subscription per colour) have names no other stack uses.
 */
import { ValidationError } from "../components/errors";
import { MeshFlow, MeshNode } from "../components/replication-mesh";
import { MAX_NODE_NAME_LENGTH, validateMesh } from "../components/replication/validation";
import { EdgeReplicationTopology, ReplicationCapacity, edgeReplicationCapacity } from "../components/replication-capacity";
import { tablesOfClass } from "../components/sovereignty";
import { COLORS, Color, Cloud, FacilityConfig, PeerConfig, StackConfig, configKey } from "./config";
import { FieldMap, withConfigKeys } from "./rekey";

/** The colour that publishes to the edges and the peers (it relays the other colour's writes). */
export const ANCHOR_COLOR: Color = "blue";

/** Replication links of every edge: both colours subscribe to it; it applies one master-data subscription. */
export const EDGE_REPLICATION: EdgeReplicationTopology = { regionalSubscribers: COLORS.length, masterDataSubscriptions: 1 };

export const OPERATIONAL_TABLES = tablesOfClass("operational");
export const MASTER_TABLES = tablesOfClass("master");
export const AGGREGATE_TABLES = tablesOfClass("aggregate");

/** Where a mesh node's connection comes from once the components exist. */
export type NodeSource =
    | { kind: "colour"; color: Color }
    | { kind: "facility"; facility: FacilityConfig }
    | { kind: "peer"; peer: PeerConfig; color: Color };

/** A mesh node without its connection (attached at deploy time). */
export type PlannedNode = Omit<MeshNode, "connection" | "replicationPassword"> & { source: NodeSource; configPath: string };

export interface MeshPlanOfStack {
    nodes: PlannedNode[];
    flows: MeshFlow[];
}

/** `us-east` + blue -> `us_east_blue`: a region's colour database as a mesh node. */
export function colourNodeName(stack: string, color: Color): string {
    return `${stack.replace(/-/g, "_")}_${color}`;
}

/** `facility-la-001` -> `edge_la_001`. */
export function edgeNodeName(facilityId: string): string {
    return `edge_${facilityId.slice("facility-".length).replace(/-/g, "_")}`;
}

/** Extra roles the replication role needs per cloud: RDS has no REPLICATION attribute for customers. */
const REPLICATION_GRANT_ROLES: Readonly<Record<Cloud, string[] | undefined>> = { aws: ["rds_replication"], azure: undefined };

export function edgeCapacity(): ReplicationCapacity {
    return edgeReplicationCapacity(EDGE_REPLICATION);
}

/**
 * Nodes and flows of this regional stack's mesh. `regionalCapacity` is the RegionalCluster's (the
 * same numbers its server parameters are set to).
 */
export function planStackMesh(config: StackConfig, regionalCapacity: ReplicationCapacity): MeshPlanOfStack {
    const server = config.stack.replace(/-/g, "_");
    const nodes: PlannedNode[] = [];
    const flows: MeshFlow[] = [];
    const colour = (color: Color) => colourNodeName(config.stack, color);
    const anchor = colour(ANCHOR_COLOR);

    for (const color of COLORS) {
        nodes.push({
            name: colour(color), zone: config.zone, role: "regional", server, capacity: regionalCapacity,
            replicationGrantRoles: REPLICATION_GRANT_ROLES[config.cloud],
            source: { kind: "colour", color }, configPath: `the stack name "${config.stack}"`,
        });
    }
    // The colour pair first: the mesh gives the later-declared direction copy_data = false.
    flows.push(
        { from: colour("blue"), to: colour("green"), tables: [...MASTER_TABLES, ...AGGREGATE_TABLES] },
        { from: colour("green"), to: colour("blue"), tables: [...MASTER_TABLES, ...AGGREGATE_TABLES] },
    );

    config.facilities.forEach((facility, i) => {
        const edge = edgeNodeName(facility.id);
        nodes.push({
            name: edge, zone: facility.zone, role: "edge", capacity: edgeCapacity(), offline: facility.offline,
            source: { kind: "facility", facility }, configPath: `${configKey("facilities")}[${i}].id`,
        });
        for (const color of COLORS) {
            flows.push({ from: edge, to: colour(color), tables: OPERATIONAL_TABLES, rowFilter: { column: "facility_id", equals: facility.id } });
        }
        flows.push({ from: anchor, to: edge, tables: MASTER_TABLES, rowFilter: { column: "tenant_id", equals: facility.tenant } });
    });

    config.peers.forEach((peer, i) => {
        for (const color of COLORS) {
            const name = colourNodeName(peer.stack, color);
            nodes.push({
                name, zone: peer.zone, role: "regional", server: peer.stack.replace(/-/g, "_"),
                // The peer's own stack creates its tables and roles; this stack only subscribes there.
                manageSchema: false,
                source: { kind: "peer", peer, color }, configPath: `${configKey("peers")}[${i}].stack`,
            });
            flows.push({ from: anchor, to: name, tables: AGGREGATE_TABLES, rowFilter: { column: "region", equals: config.stack } });
        }
    });
    return { nodes, flows };
}

/** A connection placeholder: validation checks presence only, the real one comes from the components. */
const UNRESOLVED = { host: "unresolved", port: 5432, database: "unresolved", user: "unresolved", password: "unresolved" };

/**
 * Runs the ReplicationMesh's own validation (identifiers, sovereignty, loops, capacity) on the plan
 * before anything is registered; errors name the config entry the node came from.
 */
export function validateStackMesh(plan: MeshPlanOfStack): void {
    const map: Record<string, string> = {};
    plan.nodes.forEach((node, i) => { map[`nodes[${i}]`] = `${node.configPath} (mesh node "${node.name}")`; });
    plan.flows.forEach((flow, i) => { map[`flows[${i}]`] = `ReplicationMesh flow ${flow.from} -> ${flow.to}`; });
    const tooLong = plan.nodes.find((n) => n.name.length > MAX_NODE_NAME_LENGTH);
    if (tooLong) {
        throw new ValidationError(tooLong.configPath, `too long: its mesh node name "${tooLong.name}" exceeds ${MAX_NODE_NAME_LENGTH} characters (replication slot names must fit 63)`, "a shorter stack name");
    }
    withConfigKeys(map as FieldMap, "ReplicationMesh ", () => validateMesh(plan.nodes.map((n) => ({ ...n, connection: UNRESOLVED })), plan.flows));
}
