/**
 * The demo's PostgreSQL servers: four embedded PostgreSQL 16 instances on loopback ports.
 *
 *   edge_la, edge_fra   one instance each (a factory's NUC)
 *   us_east             ONE instance holding two databases, app_blue and app_green (as blue and
 *                       green share one RDS instance): this is where the same-cluster slot trap
 *                       would hang a naive CREATE SUBSCRIPTION
 *   eu_central          one instance
 *
 * Replication capacity comes from components/replication/capacity.ts (the same formula the stacks
 * use), so the mesh's capacity validation checks the numbers the servers really run with.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import type { PgConnection } from "../../components/postgres/connection";
import type { ReplicationCapacity } from "../../components/replication/capacity";
import { LOCAL_PLACEMENT, LocalServer, derivedReplicationPassword, localCapacity } from "../../stacks/local";
import { LocalPgCluster, LocalPgInstance, LocalPgOptions, startLocalPg } from "../local-pg/cluster";
import { DemoNode, DemoNodeConnections } from "../../stacks/local-topology";
import { edgeServerCapacity } from "../../stacks/local-sites";

/** Server instance names. */
export const SERVERS = { edgeLa: "edge_la", edgeFra: "edge_fra", usEast: "us_east", euCentral: "eu_central" } as const satisfies Record<string, LocalServer>;

export interface DemoEnvironment extends DemoNodeConnections {
    /** Admin connection per node (superuser of the local instance), resolved. */
    admin: Record<DemoNode, PgConnection>;
    /** Replication-role password per publishing node. */
    replicationPasswords: Record<DemoNode, string>;
    /** The instance a server name refers to (to stop, kill or restart it). */
    server(name: string): LocalPgInstance;
    /** Superuser password of every server (the local stack's AGOGSAAS_LOCAL_PG_PASSWORD). */
    password: string;
    /** Every instance, edges first. */
    instances: LocalPgInstance[];
    /** Temp directories holding the data (removed by destroy). */
    dataDirs: string[];
    /** Stops every server and removes its data. Idempotent. */
    destroy(): Promise<void>;
    /** Synchronous last resort (process exit, signals): kill servers, remove data. */
    destroySync(): void;
}

/** Settings shared by every demo server: quick checkpoints and retries keep the demo short. */
const COMMON: LocalPgOptions = {
    maxSlotWalKeepSize: "256MB",
    settings: {
        // An apply worker that lost its publisher retries after this long (default 5 s).
        wal_retrieve_retry_interval: "200ms",
        shared_buffers: "16MB",
    },
};

/** What a caller may add to the servers' start-up (evidence keeping). */
export interface DemoServerOptions {
    /** Receives every server log line; default none. */
    onLog?: (server: string, line: string) => void;
    /** Extra server settings; default none. */
    settings?: Record<string, string>;
    /** Loopback port per server (the local stack's `localServers`); default free ports. */
    ports?: Readonly<Record<LocalServer, number>>;
    /** Superuser password of every server; default random per run. */
    password?: string;
    /** Create the nodes' databases here; default true. False when the local stack creates them (`pulumi up -s local`). */
    createDatabases?: boolean;
}

/** Starts the servers and creates the databases. Everything started is removed again on failure. */
export async function startDemoEnvironment(onStarted?: (instance: LocalPgInstance) => void, extra: DemoServerOptions = {}): Promise<DemoEnvironment> {
    const edgeCapacity = localCapacity(SERVERS.edgeLa);
    const regionalCapacity = localCapacity(SERVERS.usEast);
    const password = extra.password ?? crypto.randomBytes(18).toString("base64url");
    const clusters: LocalPgCluster[] = [];
    const destroy = async () => {
        await Promise.all(clusters.map((cluster) => cluster.destroy().catch(() => cluster.destroySync())));
    };
    try {
        // allSettled, not all: when one group fails the other must still be known, to be removed.
        const common: LocalPgOptions = { ...COMMON, settings: { ...COMMON.settings, ...extra.settings }, onLog: extra.onLog, password };
        const group = (names: LocalServer[]) => ({ names, ...(extra.ports ? { ports: names.map((name) => extra.ports![name]) } : {}) });
        const started = await Promise.allSettled([
            startLocalPg({ ...common, ...group([SERVERS.edgeLa, SERVERS.edgeFra]), capacity: edgeCapacity }),
            startLocalPg({ ...common, ...group([SERVERS.usEast, SERVERS.euCentral]), capacity: regionalCapacity }),
        ]);
        for (const outcome of started) if (outcome.status === "fulfilled") clusters.push(outcome.value);
        const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
        if (failed) throw failed.reason;
        const instances = clusters.flatMap((cluster) => cluster.instances);
        instances.forEach((instance) => onStarted?.(instance));
        const server = (name: string) => {
            const found = instances.find((i) => i.name === name);
            if (!found) throw new Error(`demo: no server "${name}"`);
            return found;
        };
        const admin = {} as Record<DemoNode, PgConnection>;
        const capacity = {} as Record<DemoNode, ReplicationCapacity>;
        const replicationPasswords = {} as Record<DemoNode, string>;
        for (const [nodeName, place] of Object.entries(LOCAL_PLACEMENT) as [DemoNode, { server: LocalServer; database: string }][]) {
            admin[nodeName] = extra.createDatabases === false
                ? server(place.server).connection(place.database)
                : await server(place.server).createDatabase(place.database);
            capacity[nodeName] = localCapacity(place.server);
            replicationPasswords[nodeName] = derivedReplicationPassword(password, nodeName);
        }
        return {
            admin, capacity, replicationPasswords, instances, server, password,
            dataDirs: clusters.map((c) => c.rootDir),
            destroy,
            destroySync: () => {
                // Unconditional (an interrupted async destroy may have marked the clusters destroyed already).
                instances.forEach((instance) => instance.killSync());
                clusters.forEach((cluster) => fs.rmSync(cluster.rootDir, { recursive: true, force: true }));
            },
        };
    } catch (error) {
        await destroy();
        throw error;
    }
}

/**
 * Starts the server of a site added by self-service (stacks/local-sites.ts): an edge computer
 * like edge_la, with the same settings and capacity, on the port its stack config gives.
 */
export function startSiteServer(name: string, port: number, password: string): Promise<LocalPgCluster> {
    return startLocalPg({ ...COMMON, names: [name], ports: [port], password, capacity: edgeServerCapacity() });
}

/** The server a node's database lives on. */
export function serverOf(node: DemoNode): string {
    return LOCAL_PLACEMENT[node].server;
}
