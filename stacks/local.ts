/**
 * The `local` tier: the platform's data plane on four PostgreSQL servers of this machine, deployed
 * by the real Pulumi engine (`pulumi up -s local`; `npm run demo` starts the servers first).
 *
 *   edge_la, edge_fra   a factory each (zones us, eu)
 *   us_east             ONE server holding the blue and the green database of us-east
 *   eu_central          the EU region
 *
 * It deploys what runs without a cloud: each node's database (PostgresDatabase, dropped on
 * destroy), the ReplicationMesh of stacks/local-topology.ts over them, and the federation
 * supergraph of the two regions composed by the same code as the regional stacks'. Outputs: the
 * mesh topology (for `npm run mesh:status`), the supergraph and the servers.
 *
 * Credentials: the servers' superuser password comes from the environment variable
 * AGOGSAAS_LOCAL_PG_PASSWORD (the demo generates one per run); it is a secret input of every
 * resource and never written to config. The replication roles' passwords are derived from it
 * (HMAC-SHA256 per node), because the @pulumi/random plugin cannot be built on these machines
 * (docs/engine.md): random per run, stable within one, so a second `pulumi up` changes nothing.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { ValidationError, composeSupergraph, regionalSubgraphSdl, ReplicationMesh, ReplicationMeshArgs, type MeshFlow, Zone } from "@agogsaas/pulumi";
import { facilityFallbackFor } from "../components/fallback/facility-fallback";
import { FacilityMode, assertFacilityMode, fallbackNodeName, fallbackPlan } from "../components/fallback/plan";
import { PostgresDatabase } from "../components/postgres/database";
import { regionalReplicationCapacity } from "../components/replication/capacity";
import { validateMesh } from "../components/replication/validation";
import { DEFAULTS, PROJECT, RawConfig, parseJson } from "./config";
import { readArray, readInteger, readObject, readString } from "./config-fields";
import { DemoNode, FACILITY_FRA, FACILITY_LA, NODES, demoMeshArgs } from "./local-topology";
import {
    LOCAL_SITE_SLOTS, LocalSite, SITE_DATABASE, edgeServerCapacity, parseLocalSites, siteNodeName, siteSummary,
    withLocalSites,
} from "./local-sites";
import type { StackOutputs } from "./stack-outputs";

/** The environment variable holding the local servers' superuser password. */
export const LOCAL_PASSWORD_ENV = "AGOGSAAS_LOCAL_PG_PASSWORD";
/** Superuser of the embedded servers (tools/local-pg). */
export const LOCAL_SUPERUSER = "postgres";
/** Component name of the local mesh (prefix of its resources' names). */
export const LOCAL_MESH_NAME = "local";

/** The two factories' servers (each is one mesh node of the same name). */
export const LOCAL_EDGES = ["edge_la", "edge_fra"] as const;
export type LocalEdge = (typeof LOCAL_EDGES)[number];

/** The regional server each factory's fallback workspace lives on (the server its orders go to, in its zone). */
export const FALLBACK_SERVER: Readonly<Record<LocalEdge, LocalServer>> = { edge_la: "us_east", edge_fra: "eu_central" };


/** The four servers, in start order (edges first). */
export const LOCAL_SERVERS = ["edge_la", "edge_fra", "us_east", "eu_central"] as const;
export type LocalServer = (typeof LOCAL_SERVERS)[number];

/** Where each mesh node lives: server and database. */
export const LOCAL_PLACEMENT: Readonly<Record<DemoNode, { server: LocalServer; database: string }>> = {
    [NODES.edgeLa]: { server: "edge_la", database: "factory" },
    [NODES.edgeFra]: { server: "edge_fra", database: "factory" },
    [NODES.blue]: { server: "us_east", database: "app_blue" },
    [NODES.green]: { server: "us_east", database: "app_green" },
    [NODES.euCentral]: { server: "eu_central", database: "app" },
};

/** Replication capacity the servers are started with and the mesh is checked against (one formula for both). */
export function localCapacity(server: LocalServer) {
    // A region has room for its own factory and the sites self-service may add (stacks/local-sites.ts).
    return server.startsWith("edge_")
        ? edgeServerCapacity()
        : regionalReplicationCapacity({ edges: 1 + LOCAL_SITE_SLOTS, peerRegions: 1, blueGreen: true, physicalStandbys: 0 });
}

/** What the local tier reads, plus what Pulumi.yaml's schema makes every stack carry (the CLI fills in its defaults). */
const OWN_KEYS = ["localServers", "localEdgeFacilities", "localAggregateTables", "localExtraFlows", "localEdgeModes", "localPart", "localEdgeStack", "localSites"];
/** `peers` in the regional stacks' format, for the region parts (stacks/local-parts.ts). */
const LOCAL_KEYS = [...OWN_KEYS, "peers", "zone", "cloud", "region", "publicHostname", ...Object.keys(DEFAULTS)];

export interface LocalConfig {
    /** Loopback port of each server. */
    ports: Readonly<Record<LocalServer, number>>;
    /** Facilities each edge hosts (`localEdgeFacilities`); default one each (stacks/local-topology.ts). */
    edgeFacilities: { edge_la?: string[]; edge_fra?: string[] };
    /** Aggregate tables the regions share (`localAggregateTables`); default ["inventory_snapshots"]. */
    aggregateTables?: string[];
    /** Flows added to the topology's (the demo adds a forbidden one to show it refused); default none. */
    extraFlows: MeshFlow[];
    /** Who writes each edge's facilities (`localEdgeModes`, see components/fallback/plan.ts); default "edge" for both. */
    edgeModes: { edge_la?: FacilityMode; edge_fra?: FacilityMode };
    /** Factories added by self-service edge requests (`localSites`, stacks/local-sites.ts), each on a server of its own; default none. */
    sites: LocalSite[];
}

/** Validates the local stack's config; throws a ValidationError naming the key at fault. */
export function parseLocalConfig(raw: RawConfig, project = PROJECT): LocalConfig {
    const key = (name: string) => `${project}:${name}`;
    for (const name of Object.keys(raw)) {
        const [namespace, field] = name.split(":");
        if (namespace === project && !LOCAL_KEYS.includes(field)) {
            throw new ValidationError(name, "not a setting of the local tier", OWN_KEYS.map(key).join(", "));
        }
    }
    const json = (name: string): unknown => parseJson(key(name), raw[key(name)]);
    const strings = (path: string, value: unknown) => readArray(path, value).map((v, i) => readString(`${path}[${i}]`, v));
    const servers = readObject(key("localServers"), json("localServers") ?? {}, LOCAL_SERVERS);
    const ports = {} as Record<LocalServer, number>;
    for (const server of LOCAL_SERVERS) {
        if (servers[server] === undefined) throw new ValidationError(`${key("localServers")}.${server}`, "missing: the server's loopback port", "an integer from 1024 to 65535");
        ports[server] = readInteger(`${key("localServers")}.${server}`, servers[server], 1024, 65535);
    }
    const taken = new Map<number, LocalServer>();
    for (const server of LOCAL_SERVERS) {
        const other = taken.get(ports[server]);
        if (other) throw new ValidationError(`${key("localServers")}.${server}`, `port ${ports[server]} is already the port of ${other}`, "a port of its own");
        taken.set(ports[server], server);
    }
    const extraFlows = readArray(key("localExtraFlows"), json("localExtraFlows") ?? []).map((value, i) => {
        const path = `${key("localExtraFlows")}[${i}]`;
        const flow = readObject(path, value, ["from", "to", "tables"]);
        return {
            from: readString(`${path}.from`, flow.from),
            to: readString(`${path}.to`, flow.to),
            tables: strings(`${path}.tables`, flow.tables),
        };
    });
    const facilitiesRaw = readObject(key("localEdgeFacilities"), json("localEdgeFacilities") ?? {}, ["edge_la", "edge_fra"]);
    const edgeFacilities: LocalConfig["edgeFacilities"] = {};
    for (const edge of ["edge_la", "edge_fra"] as const) {
        if (facilitiesRaw[edge] === undefined) continue;
        const ids = strings(`${key("localEdgeFacilities")}.${edge}`, facilitiesRaw[edge]);
        if (ids.length === 0) throw new ValidationError(`${key("localEdgeFacilities")}.${edge}`, "an edge hosts at least one facility", "a non-empty list of facility ids");
        edgeFacilities[edge] = ids;
    }
    const aggregates = json("localAggregateTables");
    const aggregateTables = aggregates === undefined ? undefined : strings(key("localAggregateTables"), aggregates);
    const modesRaw = readObject(key("localEdgeModes"), json("localEdgeModes") ?? {}, LOCAL_EDGES);
    const edgeModes: LocalConfig["edgeModes"] = {};
    for (const edge of LOCAL_EDGES) {
        if (modesRaw[edge] !== undefined) edgeModes[edge] = assertFacilityMode(`${key("localEdgeModes")}.${edge}`, modesRaw[edge]);
    }
    const sites = parseLocalSites(key("localSites"), json("localSites"), {
        facilities: [...(edgeFacilities.edge_la ?? [FACILITY_LA]), ...(edgeFacilities.edge_fra ?? [FACILITY_FRA])],
        ports: new Map(LOCAL_SERVERS.map((server) => [ports[server], server])),
    });
    return { ports, edgeFacilities, aggregateTables, extraFlows, edgeModes, sites };
}

/** The superuser password from the environment; throws naming the variable when it is not set. */
export function localPassword(env: NodeJS.ProcessEnv = process.env): string {
    const password = env[LOCAL_PASSWORD_ENV];
    if (!password) {
        throw new ValidationError(LOCAL_PASSWORD_ENV, "not set: the superuser password of the local PostgreSQL servers (npm run demo sets it for the run)", "a non-empty string");
    }
    return password;
}

/** The fallback login's password of an edge: HMAC of the run's superuser password, like the replication roles'. */
export function derivedLoginPassword(superuserPassword: string, edge: LocalEdge): string {
    return crypto.createHmac("sha256", superuserPassword).update(`login:${edge}`).digest("base64url").slice(0, 32);
}

/** A node's replication-role password: HMAC of the run's superuser password (see the file comment). */
export function derivedReplicationPassword(superuserPassword: string, node: string): string {
    return crypto.createHmac("sha256", superuserPassword).update(`replication:${node}`).digest("base64url").slice(0, 32);
}

/** The mesh args of the local stack for the given admin connections and passwords. */
export function localMeshArgs(config: LocalConfig, admin: Record<DemoNode, ReplicationMeshArgs["nodes"][number]["connection"]>, passwords: Record<DemoNode, pulumi.Input<string>>): ReplicationMeshArgs {
    const capacity = Object.fromEntries(Object.entries(LOCAL_PLACEMENT).map(([node, place]) => [node, localCapacity(place.server)])) as Record<DemoNode, ReturnType<typeof localCapacity>>;
    const args = demoMeshArgs({ admin: admin as never, replicationPasswords: passwords, capacity },
        { edgeFacilities: config.edgeFacilities, aggregateTables: config.aggregateTables });
    return { ...args, flows: [...(args.flows ?? []), ...config.extraFlows] };
}

/** The edges of the config in a given mode. */
export function edgesInMode(config: LocalConfig, mode: FacilityMode): LocalEdge[] {
    return LOCAL_EDGES.filter((edge) => (config.edgeModes[edge] ?? "edge") === mode);
}

/** Where an edge's fallback workspace lives: its regional server, a database named after the workspace node. */
export function fallbackPlacement(edge: LocalEdge): { server: LocalServer; database: string } {
    return { server: FALLBACK_SERVER[edge], database: fallbackNodeName(edge) };
}

/**
 * The mesh args with every edge in mode "fallback" served from its workspace (fallbackPlan): `workspace`
 * gives the workspace's admin connection, `passwords` its replication role's password.
 */
export function localMeshArgsWithModes(config: LocalConfig, args: ReplicationMeshArgs,
    workspace: (edge: LocalEdge) => ReplicationMeshArgs["nodes"][number]["connection"], password: (node: string) => pulumi.Input<string>): ReplicationMeshArgs {
    let nodes = args.nodes;
    let flows = args.flows ?? [];
    for (const edge of edgesInMode(config, "fallback")) {
        const name = fallbackNodeName(edge);
        const server = FALLBACK_SERVER[edge];
        // The workspace sits in its edge's zone (fallbackPlan refuses any other).
        const zone = nodes.find((n) => n.name === edge)!.zone;
        ({ nodes, flows } = fallbackPlan(`${PROJECT}:localEdgeModes.${edge}`, nodes, flows, edge,
            { name, zone, role: "edge", connection: workspace(edge), replicationPassword: password(name), server, capacity: localCapacity(server) }));
    }
    return { ...args, nodes, flows };
}

/** The two regions' federation: us-east serves its own (regional) subgraph, eu-central contributes aggregates. */
function localSupergraph() {
    const subgraph = (name: string, zone: Zone, audience: "regional" | "aggregate") =>
        ({ name, zone, sdl: regionalSubgraphSdl(name, audience), url: `http://${name}.localhost/graphql` });
    return composeSupergraph({ gatewayZone: "us", subgraphs: [subgraph("us-east", "us", "regional"), subgraph("eu-central", "eu", "aggregate")] });
}

export async function deployLocal(config: LocalConfig): Promise<StackOutputs> {
    const password = localPassword();
    // Validate everything before registering anything: the mesh plan (sovereignty, tables) and the supergraph.
    const supergraph = localSupergraph();
    const plain = (server: LocalServer, database: string) =>
        ({ host: "127.0.0.1", port: config.ports[server], database, user: LOCAL_SUPERUSER, password });
    const replicationPassword = (node: string) => derivedReplicationPassword(password, node);
    const passwords = Object.fromEntries(Object.keys(LOCAL_PLACEMENT).map((node) => [node, replicationPassword(node)])) as Record<DemoNode, string>;
    const plainAdmin = Object.fromEntries(Object.entries(LOCAL_PLACEMENT).map(([node, place]) => [node, plain(place.server, place.database)])) as Record<DemoNode, ReturnType<typeof plain>>;
    const plainWorkspace = (edge: LocalEdge) => plain(fallbackPlacement(edge).server, fallbackPlacement(edge).database);
    const plainSite = (site: LocalSite) => ({ host: "127.0.0.1", port: site.port, database: SITE_DATABASE, user: LOCAL_SUPERUSER, password });
    const planned = localMeshArgsWithModes(config, withLocalSites(config.sites, localMeshArgs(config, plainAdmin, passwords), plainSite, replicationPassword), plainWorkspace, replicationPassword);
    validateMesh(planned.nodes, planned.flows ?? []);

    const secretPassword = pulumi.secret(password);
    const database = (node: string, port: number, databaseName: string) => new PostgresDatabase(`local-${node}-db`, {
        connection: { host: "127.0.0.1", port, database: "postgres", user: LOCAL_SUPERUSER, password: secretPassword },
        databaseName,
        dropOnDelete: true,
    });
    const databases = Object.entries(LOCAL_PLACEMENT).map(([node, place]) => database(node, config.ports[place.server], place.database));
    const workspaces = new Map(edgesInMode(config, "fallback").map((edge) => [edge, database(fallbackNodeName(edge), config.ports[fallbackPlacement(edge).server], fallbackPlacement(edge).database)]));
    const admin = Object.fromEntries(Object.entries(LOCAL_PLACEMENT).map(([node, place], i) =>
        [node, { ...plain(place.server, place.database), database: databases[i].databaseName, password: secretPassword }])) as Record<DemoNode, never>;
    const siteDatabases = new Map(config.sites.map((site) => [site.id, database(siteNodeName(site.id), site.port, SITE_DATABASE)]));
    const siteAdmin = (site: LocalSite) => ({ ...plainSite(site), database: siteDatabases.get(site.id)!.databaseName, password: secretPassword });
    const workspaceAdmin = (edge: LocalEdge) => ({ ...plainWorkspace(edge), database: workspaces.get(edge)!.databaseName, password: secretPassword });
    const secretPasswords = Object.fromEntries(Object.entries(passwords).map(([node, p]) => [node, pulumi.secret(p)])) as Record<DemoNode, pulumi.Output<string>>;
    const secretReplicationPassword = (node: string) => pulumi.secret(replicationPassword(node));
    const meshArgs = localMeshArgsWithModes(config, withLocalSites(config.sites, localMeshArgs(config, admin, secretPasswords), siteAdmin, secretReplicationPassword), workspaceAdmin, secretReplicationPassword);
    const mesh = new ReplicationMesh(LOCAL_MESH_NAME, meshArgs, { dependsOn: [...databases, ...workspaces.values(), ...siteDatabases.values()] });

    const fallback: Record<string, { mode: FacilityMode; url?: pulumi.Output<string> }> = {};
    for (const edge of LOCAL_EDGES) {
        const mode = config.edgeModes[edge] ?? "edge";
        const component = facilityFallbackFor(`local-${edge}`, {
            mode, mesh, edgeNode: edge,
            loginPassword: () => pulumi.secret(derivedLoginPassword(password, edge)),
            workspace: () => ({ ...plainWorkspace(edge), password: secretPassword }),
        });
        if (component) fallback[edge] = { mode, ...(component.url ? { url: component.url } : {}) };
    }
    return {
        topology: mesh.topology,
        servers: Object.fromEntries(LOCAL_SERVERS.map((server) => [server, { host: "127.0.0.1", port: config.ports[server] }])),
        supergraph: { sdl: supergraph.supergraphSdl, classification: supergraph.classification, subgraphs: supergraph.subgraphs.map((s) => ({ name: s.name, zone: s.zone, crossZone: s.crossZone })) },
        ...(Object.keys(fallback).length > 0 ? { fallback } : {}),
        ...(config.sites.length > 0 ? { sites: Object.fromEntries(config.sites.map((site) => [site.id, siteSummary(site, pulumi.secret)])) } : {}),
    };
}
