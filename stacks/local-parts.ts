/**
 * The local tier split into stacks of their own (`agogsaas:localPart`), so that what joins real
 * stacks is exercised on this machine: regions that peer through their `peering` outputs and a
 * region that reads its factory from an edge stack, each through a real `pulumi.StackReference`
 * and the same contracts and checks as the cloud stacks (stacks/peers.ts, stacks/facility-endpoints.ts).
 *
 *   edge-la, edge-fra    a factory's database alone; exports the edge stack contract
 *   us-east              edge_la (inline, or from `localEdgeStack`), us_east_blue ──▶ us_east_green,
 *                        the us_east_peering database offering mesh_peering_us_east
 *   eu-central           edge_fra (inline, or from `localEdgeStack`), eu_central,
 *                        the eu_central_peering database offering mesh_peering_eu_central
 *   a region's `peers`   each peer's peering database ──aggregates, region = <peer>──▶ the anchor
 *
 * A region part offers its own aggregate rows (`region = '<part>'`) in a peering database of its
 * own with a least-privilege login, exactly as a regional stack does (stacks/mesh.ts), and exports
 * the same `peering` contract; its `stack` there is the part's name ("us-east"), the value of the
 * `region` column its rows carry.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    SovereigntyError, ValidationError, ReplicationMesh, MeshNode, ReplicationMeshArgs, type MeshFlow, type MeshPublication, ZONES, Zone,
} from "@agogsaas/pulumi";
import { PostgresDatabase } from "../components/postgres/database";
import { validateMesh } from "../components/replication/validation";
import { tablesOfClass } from "../components/shared/sovereignty";
import { PROJECT, PeerConfig, RawConfig, configKey, parsePlacementAndPeers, readStackReference } from "./config";
import { readChoice } from "./config-fields";
import { DeclaredEdge, EDGE_OUTPUTS, FacilityEndpoint, checkedEdgeStackEndpoint } from "./facility-endpoints";
import { PEERING_DATABASE, peeringNodeName, peeringPublicationName } from "./mesh";
import { peeringOutputs, PeeringInfo, peerConnection, peerEndpoint } from "./peers";
import { FACILITY_FRA, FACILITY_LA, NODES, TENANT, TENANT_FILTER, facilityFilter } from "./local-topology";
import type { StackOutputs } from "./stack-outputs";
import { LOCAL_MESH_NAME, LOCAL_SUPERUSER, LocalConfig, LocalServer, derivedReplicationPassword, localCapacity, localPassword } from "./local";

/** The parts a local stack can be: the whole picture (default) or one region or one factory of it. */
export const LOCAL_PARTS = ["all", "us-east", "eu-central", "edge-la", "edge-fra"] as const;
export type LocalPart = (typeof LOCAL_PARTS)[number];

interface EdgePart {
    node: typeof NODES.edgeLa | typeof NODES.edgeFra;
    server: LocalServer;
    zone: Zone;
    /** Its facility when `localEdgeFacilities` names none. */
    facility: string;
}

export const LOCAL_EDGE_PARTS: Readonly<Record<"edge-la" | "edge-fra", EdgePart>> = {
    "edge-la": { node: NODES.edgeLa, server: "edge_la", zone: "us", facility: FACILITY_LA },
    "edge-fra": { node: NODES.edgeFra, server: "edge_fra", zone: "eu", facility: FACILITY_FRA },
};

interface RegionPart {
    zone: Zone;
    server: LocalServer;
    /** Its regional databases; the first is the anchor (publishes to the edge and the peering database). */
    regional: { node: string; database: string }[];
    edge: keyof typeof LOCAL_EDGE_PARTS;
}

export const LOCAL_REGION_PARTS: Readonly<Record<"us-east" | "eu-central", RegionPart>> = {
    "us-east": { zone: "us", server: "us_east", regional: [{ node: NODES.blue, database: "app_blue" }, { node: NODES.green, database: "app_green" }], edge: "edge-la" },
    "eu-central": { zone: "eu", server: "eu_central", regional: [{ node: NODES.euCentral, database: "app" }], edge: "edge-fra" },
};

/** What a part reads besides LocalConfig's ports and tables (parsed by parseLocalConfig). */
export interface LocalPartConfig {
    part: LocalPart;
    /** The stack's placement (zone, cloud, region): what a region part exports as its peering identity. */
    placement: { zone: Zone; cloud: string; region: string };
    /** Peer regions (`agogsaas:peers`, the regional stacks' format), for region parts. */
    peers: PeerConfig[];
    /** The region part's factory from this edge stack instead of inline (`agogsaas:localEdgeStack`); default inline. */
    edgeStack?: string;
}

/** Reads `localPart`, the placement, `peers` and `localEdgeStack` of a local stack and checks them against its LocalConfig; throws naming the key. */
export function parseLocalPartConfig(raw: RawConfig, config: LocalConfig, project = PROJECT): LocalPartConfig {
    const partKey = `${project}:localPart`;
    const partName = readChoice(partKey, raw[partKey] ?? "all", LOCAL_PARTS);
    // A region part is the peer named partName; parsePlacementAndPeers refuses a peer of itself.
    const { zone, cloud, region, peers } = parsePlacementAndPeers(raw, partName, project);
    const edgeStackKey = `${project}:localEdgeStack`;
    const edgeStack = raw[edgeStackKey] === undefined ? undefined : readStackReference(edgeStackKey, raw[edgeStackKey]);
    const part: LocalPartConfig = { part: partName, placement: { zone, cloud, region }, peers, edgeStack };
    checkPartConfig(config, part);
    return part;
}

/** Checks what only makes sense for some parts; throws naming the key. */
function checkPartConfig(config: LocalConfig, part: LocalPartConfig): void {
    // `peers` and `localEdgeStack` belong to region parts only.
    const refuseRegionSettings = (why: string) => {
        for (const [name, given] of [["peers", part.peers.length > 0], ["localEdgeStack", part.edgeStack !== undefined]] as const) {
            if (given) throw new ValidationError(configKey(name), `a setting of a region part, and ${why}`, `"us-east" or "eu-central" as ${configKey("localPart")}`);
        }
    };
    if (part.part === "all") return refuseRegionSettings(`${configKey("localPart")} is "all"`);
    // A fallback moves a facility between an edge part and a region part: one stack must hold both.
    // A site joins its region's mesh in the stack that holds both (stacks/local-sites.ts).
    if (config.sites.length > 0) throw new ValidationError(configKey("localSites"), `sites join the whole local picture, and ${configKey("localPart")} is "${part.part}"`, `no sites, or ${configKey("localPart")} "all"`);
    const moving = Object.entries(config.edgeModes).find(([, mode]) => mode !== "edge");
    if (moving) throw new ValidationError(`${configKey("localEdgeModes")}.${moving[0]}`, `"${moving[1]}" needs the edge and its region in one stack, and ${configKey("localPart")} is "${part.part}"`, `"edge", or ${configKey("localPart")} "all"`);
    const edge = part.part in LOCAL_EDGE_PARTS ? LOCAL_EDGE_PARTS[part.part as keyof typeof LOCAL_EDGE_PARTS] : undefined;
    const expected = edge ? edge.zone : LOCAL_REGION_PARTS[part.part as keyof typeof LOCAL_REGION_PARTS].zone;
    const { zone } = part.placement;
    if (zone !== expected) throw new SovereigntyError(configKey("zone"), `is "${zone}" but ${configKey("localPart")} "${part.part}" holds data of zone "${expected}"`, `"${expected}"`);
    if (!edge) return;
    const ids = config.edgeFacilities[edge.server as "edge_la" | "edge_fra"];
    if (ids !== undefined && ids.length !== 1) throw new ValidationError(`${configKey("localEdgeFacilities")}.${edge.server}`, `an edge stack deploys one facility, found ${ids.length}`, "one facility id");
    refuseRegionSettings(`"${part.part}" is an edge`);
}

const ssl = "disable" as const;

/** An edge part: the factory database and the edge stack contract (stacks/facility-endpoints.ts). */
function deployEdgePart(config: LocalConfig, edge: EdgePart, password: string): StackOutputs {
    const facilityId = config.edgeFacilities[edge.server as "edge_la" | "edge_fra"]?.[0] ?? edge.facility;
    const port = config.ports[edge.server];
    const db = new PostgresDatabase(`local-${edge.node}-db`, {
        connection: { host: "127.0.0.1", port, database: "postgres", user: LOCAL_SUPERUSER, password: pulumi.secret(password) },
        databaseName: "factory",
        dropOnDelete: true,
    });
    return {
        [EDGE_OUTPUTS.zone]: edge.zone,
        [EDGE_OUTPUTS.facilityId]: facilityId,
        [EDGE_OUTPUTS.facility]: { id: facilityId, tenant: TENANT },
        [EDGE_OUTPUTS.databaseEndpoint]: { host: "127.0.0.1", port, database: db.databaseName },
        // No health monitor runs here: the edge is healthy when its database answers.
        [EDGE_OUTPUTS.healthUrl]: `postgresql://127.0.0.1:${port}/factory`,
        [EDGE_OUTPUTS.adminUser]: LOCAL_SUPERUSER,
        [EDGE_OUTPUTS.adminPassword]: pulumi.secret(password),
        [EDGE_OUTPUTS.replicationPassword]: pulumi.secret(derivedReplicationPassword(password, edge.node)),
    };
}

/** The region part's mesh, before connections exist: what validateMesh checks at plan time. */
export function regionPartPlan(config: LocalConfig, part: LocalPartConfig & { part: "us-east" | "eu-central" }) {
    const region = LOCAL_REGION_PARTS[part.part];
    const edge = LOCAL_EDGE_PARTS[region.edge];
    const aggregates = [...(config.aggregateTables ?? ["inventory_snapshots"])];
    const anchor = region.regional[0].node;
    const peering = peeringNodeName(part.part);
    const ownRows = { column: "region", equals: part.part };
    const facilityIds = config.edgeFacilities[edge.server as "edge_la" | "edge_fra"] ?? [edge.facility];
    const flows: MeshFlow[] = [
        { from: edge.node, to: anchor, tables: tablesOfClass("operational"), rowFilter: facilityFilter(facilityIds) },
        { from: anchor, to: edge.node, tables: tablesOfClass("master"), rowFilter: TENANT_FILTER },
        ...region.regional.slice(1).map((other) => ({ from: anchor, to: other.node, tables: [...tablesOfClass("operational"), ...tablesOfClass("master"), ...aggregates] })),
        { from: anchor, to: peering, tables: aggregates, rowFilter: ownRows },
        ...part.peers.map((peer) => ({
            from: peeringNodeName(peer.stack), to: anchor, tables: peer.tables ?? aggregates,
            rowFilter: { column: "region", equals: peer.stack }, publication: peeringPublicationName(peer.stack),
        })),
    ];
    const publications: MeshPublication[] = [{
        node: peering, name: peeringPublicationName(part.part), tables: aggregates, rowFilter: ownRows,
        subscriberZones: [...ZONES], subscribers: part.peers.length,
    }];
    return { region, edge, anchor, peering, facilityIds, aggregates, flows, publications };
}

/** A region part: its databases, its mesh (with its peers' peering databases as external nodes) and the peering contract. */
async function deployRegionPart(config: LocalConfig, part: LocalPartConfig & { part: "us-east" | "eu-central" }, password: string): Promise<StackOutputs> {
    const plan = regionPartPlan(config, part);
    const { region, edge } = plan;
    const server = (s: LocalServer, database: string) => ({ host: "127.0.0.1", port: config.ports[s], database, user: LOCAL_SUPERUSER, password, ssl });
    const capacity = localCapacity(region.server);
    const plainNodes = (connectionOf: (node: string, s: LocalServer, database: string) => MeshNode["connection"]): MeshNode[] => [
        { name: edge.node, zone: edge.zone, role: "edge", capacity: localCapacity(edge.server), connection: connectionOf(edge.node, edge.server, "factory"), replicationPassword: derivedReplicationPassword(password, edge.node) },
        ...region.regional.map((r) => ({ name: r.node, zone: region.zone, role: "regional" as const, server: region.server, capacity, connection: connectionOf(r.node, region.server, r.database), replicationPassword: derivedReplicationPassword(password, r.node) })),
        { name: plan.peering, zone: region.zone, role: "regional", server: region.server, capacity, connection: connectionOf(plan.peering, region.server, PEERING_DATABASE), replicationPassword: derivedReplicationPassword(password, plan.peering) },
        ...part.peers.map((peer) => ({ name: peeringNodeName(peer.stack), zone: peer.zone, role: "regional" as const, server: peer.stack.replace(/-/g, "_"), external: true, connection: server(region.server, "unresolved") })),
    ];
    // Validate the plan before registering anything (sovereignty, tables, capacity).
    validateMesh(plainNodes((_n, s, d) => server(s, d)), plan.flows, plan.publications);

    // The other stacks' outputs, checked before anything of this stack is registered.
    const edgeEndpoint: FacilityEndpoint | undefined = part.edgeStack === undefined ? undefined : await edgeStackEndpointOfPart(part.edgeStack, edge, plan.facilityIds);
    const peers = new Map(await Promise.all(part.peers.map(async (peer, i) => [peer.stack, await peerEndpoint(peer, i)] as const)));

    const own = [...(part.edgeStack === undefined ? [{ node: edge.node, server: edge.server, database: "factory" }] : []),
        ...region.regional.map((r) => ({ ...r, server: region.server })), { node: plan.peering, server: region.server, database: PEERING_DATABASE }];
    const databases = new Map(own.map((o) => [o.node, new PostgresDatabase(`local-${o.node}-db`, {
        connection: { ...server(o.server, "postgres"), password: pulumi.secret(password) },
        databaseName: o.database,
        dropOnDelete: true,
    })]));
    const adminOf = (node: string, s: LocalServer, database: string) => ({ ...server(s, database), database: databases.get(node)?.databaseName ?? database, password: pulumi.secret(password) });

    const nodes = plainNodes(adminOf).map((node): MeshNode => {
        if (node.name === edge.node) {
            return edgeEndpoint
                ? { ...node, connection: edgeEndpoint.connection, replicationPassword: edgeEndpoint.replicationPassword }
                : { ...node, replicationPassword: pulumi.secret(derivedReplicationPassword(password, edge.node)) };
        }
        if (!node.external) return { ...node, replicationPassword: pulumi.secret(derivedReplicationPassword(password, node.name)) };
        const peer = part.peers.find((p) => peeringNodeName(p.stack) === node.name)!;
        // The peer's peering login, never its administrator; no TLS on this machine's servers.
        return { ...node, connection: { ...peerConnection(peers.get(peer.stack)!), ssl } };
    });
    const publications = plan.publications.map((p) => ({ ...p, password: pulumi.secret(derivedReplicationPassword(password, `peering:${part.part}`)) }));
    const meshArgs: ReplicationMeshArgs = { nodes, flows: plan.flows, publications };
    const mesh = new ReplicationMesh(LOCAL_MESH_NAME, meshArgs, { dependsOn: [...databases.values()] });
    const offered = mesh.offered[peeringPublicationName(part.part)];
    const peering: pulumi.Output<PeeringInfo> = pulumi.output({
        stack: part.part,
        zone: part.placement.zone,
        cloud: part.placement.cloud,
        region: part.placement.region,
        tables: [...plan.aggregates].sort(),
        graphqlUrl: `http://${part.part}.localhost/graphql`,
        database: {
            host: "127.0.0.1", port: config.ports[region.server], database: PEERING_DATABASE,
            user: offered.user, publication: peeringPublicationName(part.part),
        },
    });
    return {
        topology: mesh.topology,
        servers: Object.fromEntries([edge.server, region.server].map((s) => [s, { host: "127.0.0.1", port: config.ports[s] }])),
        ...peeringOutputs(peering, offered.password, mesh.plan.flows),
    };
}

/** The region part's factory from its edge stack: the same contract and checks as a regional stack's `edgeDeployment: stacks`. */
function edgeStackEndpointOfPart(edgeStack: string, edge: EdgePart, facilityIds: string[]): Promise<FacilityEndpoint> {
    const declared: DeclaredEdge = {
        zone: { key: configKey("zone"), value: edge.zone },
        facilityId: { key: `${configKey("localEdgeFacilities")}.${edge.server}`, keyNote: `(default: ["${edge.facility}"])`, value: facilityIds.length === 1 ? facilityIds[0] : facilityIds.join(",") },
    };
    return checkedEdgeStackEndpoint(new pulumi.StackReference(`${edge.node}-edge-stack`, { name: edgeStack }), edgeStack, declared);
}

/** Deploys one part of the local tier (not "all": stacks/local.ts deploys the whole picture). */
export async function deployLocalPart(config: LocalConfig, part: LocalPartConfig): Promise<StackOutputs> {
    const password = localPassword();
    if (part.part === "all") throw new Error("deployLocalPart: the whole picture is deployLocal's");
    if (part.part === "edge-la" || part.part === "edge-fra") return deployEdgePart(config, LOCAL_EDGE_PARTS[part.part], password);
    return deployRegionPart(config, { ...part, part: part.part }, password);
}
