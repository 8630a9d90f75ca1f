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
 *   anchor (blue) ──aggregate, region = <stack>──▶ peering            (this region's peering database)
 *   peer's peering ──aggregate, region = <peer>──▶ blue and green     (subscribed from THIS stack)
 *
 * Nothing here depends on `activeColor`: a switch flips Service selectors and no replication
 * object. The anchor colour only decides which colour publishes to edges and peers; it receives
 * the other colour's writes through the pair and forwards them (origin any on those
 * subscriptions). Aggregates between regions carry a `region` row filter, so rows never return
 * to the region that wrote them even though both regions' meshes (in different stacks) carry the
 * same tables both ways.
 *
 * Between regions each stack manages only its own server. A region offers one publication to all
 * its peers (`mesh_peering_<stack>`: aggregates, `region = '<stack>'`) in a database of its own
 * (`agogsaas_peering`) holding nothing else, with one least-privilege login for them. One
 * publication for all peers rather than one per peer: every peer receives exactly the same rows,
 * so per-peer copies would only add objects (the slots are per subscriber either way). A separate
 * database, not the anchor colour's: PostgreSQL has no privileges on publications, so a replication
 * login that may CONNECT to the anchor's database could stream its master-data publications
 * (customers) whatever its SELECT grants; the mesh revokes CONNECT from PUBLIC on the colour and
 * peering databases, and the login keeps CONNECT on the peering database only. Each peer's stack
 * subscribes its own colours to that publication (an `external` mesh node), logging in with the
 * peering login, never with this region's admin.
 */
import { ValidationError, MeshFlow, MeshNode, MeshPublication, EdgeReplicationTopology, ReplicationCapacity, ZONES } from "@agogsaas/pulumi";
import { MAX_NODE_NAME_LENGTH, validateMesh } from "../components/replication/validation";
import { edgeReplicationCapacity } from "../components/replication/capacity";
import { tablesOfClass } from "../components/shared/sovereignty";
import { fallbackNodeName, fallbackPlan } from "../components/fallback/plan";
import { COLORS, Color, Cloud, FacilityConfig, PeerConfig, StackConfig, configKey } from "./config";
import { FieldMap, withConfigKeys } from "./rekey";

/** The colour that publishes to the edges and the peers (it relays the other colour's writes). */
export const ANCHOR_COLOR: Color = "blue";

/** Replication links of every edge: both colours subscribe to it; it applies one master-data subscription. */
export const EDGE_REPLICATION: EdgeReplicationTopology = { regionalSubscribers: COLORS.length, masterDataSubscriptions: 1 };

export const OPERATIONAL_TABLES = tablesOfClass("operational");
export const MASTER_TABLES = tablesOfClass("master");
export const AGGREGATE_TABLES = tablesOfClass("aggregate");

/** The database (on every regional server) that holds only the aggregates offered to peer regions. */
export const PEERING_DATABASE = "agogsaas_peering";

/** Where a mesh node's connection comes from once the components exist. */
export type NodeSource =
    | { kind: "colour"; color: Color }
    | { kind: "peering" }
    | { kind: "facility"; facility: FacilityConfig }
    /** A facility's cloud fallback workspace: a database of its own on this region's server. */
    | { kind: "fallback"; facility: FacilityConfig }
    | { kind: "peer"; peer: PeerConfig };

/** A mesh node without its connection (attached at deploy time). */
export type PlannedNode = Omit<MeshNode, "connection" | "replicationPassword"> & { source: NodeSource; configPath: string };

export interface MeshPlanOfStack {
    nodes: PlannedNode[];
    flows: MeshFlow[];
    /** The publication offered to the peers. */
    publications: MeshPublication[];
}

/** `us-east` + blue -> `us_east_blue`: a region's colour database as a mesh node. */
export function colourNodeName(stack: string, color: Color): string {
    return `${stack.replace(/-/g, "_")}_${color}`;
}

/** `us-east` -> `us_east_peering`: a region's peering database as a mesh node. */
export function peeringNodeName(stack: string): string {
    return `${stack.replace(/-/g, "_")}_peering`;
}

/** `us-east` -> `mesh_peering_us_east`: the publication a region offers its peers. */
export function peeringPublicationName(stack: string): string {
    return `mesh_peering_${stack.replace(/-/g, "_")}`;
}

/** `facility-la-001` -> `edge_la_001`. */
export function edgeNodeName(facilityId: string): string {
    return `edge_${facilityId.slice("facility-".length).replace(/-/g, "_")}`;
}

/** Every name {@link edgeNodeName} gives, as a regular expression (the EdgeOffline alert watches their subscriptions). */
export const EDGE_NODE_PATTERN = "edge_[a-z0-9_]+";

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
    let nodes: PlannedNode[] = [];
    let flows: MeshFlow[] = [];
    const publications: MeshPublication[] = [];
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

    {
        // What this region offers its peers: its own aggregate rows, in a database of their own.
        // Offered even before any peer is configured, so that a new peer's stack can subscribe first.
        const peering = peeringNodeName(config.stack);
        const ownRows = { column: "region", equals: config.stack };
        nodes.push({
            name: peering, zone: config.zone, role: "regional", server, capacity: regionalCapacity,
            replicationGrantRoles: REPLICATION_GRANT_ROLES[config.cloud],
            source: { kind: "peering" }, configPath: `${configKey("peers")} (the peering database of "${config.stack}")`,
        });
        flows.push({ from: anchor, to: peering, tables: AGGREGATE_TABLES, rowFilter: ownRows });
        publications.push({
            node: peering, name: peeringPublicationName(config.stack), tables: AGGREGATE_TABLES, rowFilter: ownRows,
            // Aggregates may go to any zone; each subscribing stack checks its own side again.
            subscriberZones: [...ZONES],
            // Each peer's colours subscribe to it: one slot each on this server.
            subscribers: config.peers.length * COLORS.length,
        });
    }

    // A lost facility's flows, served from its workspace on this server (it uses the spare
    // capacity: the server's replication settings need a restart to change, a fallback must not).
    config.facilities.forEach((facility, i) => {
        if (facility.mode !== "fallback") return;
        const edge = edgeNodeName(facility.id);
        ({ nodes, flows } = fallbackPlan(`${configKey("facilities")}[${i}].mode`, nodes, flows, edge, {
            name: fallbackNodeName(edge), zone: facility.zone, role: "edge", server, capacity: regionalCapacity,
            replicationGrantRoles: REPLICATION_GRANT_ROLES[config.cloud],
            source: { kind: "fallback", facility }, configPath: `${configKey("facilities")}[${i}].mode`,
        }));
    });

    config.peers.forEach((peer, i) => {
        // The peer's peering database, managed by the peer's own stack: this stack only subscribes to it.
        const name = peeringNodeName(peer.stack);
        nodes.push({
            name, zone: peer.zone, role: "regional", server: peer.stack.replace(/-/g, "_"), external: true,
            source: { kind: "peer", peer }, configPath: `${configKey("peers")}[${i}].stack`,
        });
        for (const color of COLORS) {
            flows.push({
                from: name, to: colour(color), tables: peer.tables ?? AGGREGATE_TABLES, rowFilter: { column: "region", equals: peer.stack },
                publication: peeringPublicationName(peer.stack),
            });
        }
    });
    return { nodes, flows, publications };
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
    plan.publications.forEach((p, i) => { map[`publications[${i}]`] = `ReplicationMesh publication ${p.name} offered to ${configKey("peers")}`; });
    const tooLong = plan.nodes.find((n) => n.name.length > MAX_NODE_NAME_LENGTH);
    if (tooLong) {
        throw new ValidationError(tooLong.configPath, `too long: its mesh node name "${tooLong.name}" exceeds ${MAX_NODE_NAME_LENGTH} characters (replication slot names must fit 63)`, "a shorter stack name");
    }
    withConfigKeys(map as FieldMap, "ReplicationMesh ", () => validateMesh(plan.nodes.map((n) => ({ ...n, connection: UNRESOLVED })), plan.flows, plan.publications));
}
