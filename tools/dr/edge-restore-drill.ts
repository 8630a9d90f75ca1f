/**
 * The edge restore drill, for real on embedded PostgreSQL 16 (`npm run dr:edge-restore`; the test
 * test/dr/edge-restore.test.ts runs the same function and asserts on its report):
 *
 *   edge (WAL archived, archive_timeout) ⇄ region: orders edge → region (facility row filter),
 *   products region → edge; a writer keeps taking orders at the edge and records every commit;
 *   base backup → more orders and product changes → the edge server is killed (-9) mid-write and
 *   its data directory deleted → restore: base backup + archive replay → reattachEdge → the edge
 *   takes orders again → both sides compared (count + checksum), every committed order accounted.
 *
 * RTO: from the loss being acted on (restore starts) until the edge takes orders again and the
 * region streams from it. RPO: the span of committed orders that exist nowhere after the restore
 * (0 s when the region had them: the backfill brings them back), and the count of such orders.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PgConnection, withClient } from "../../components/postgres/connection";
import { ensureCatalogTables } from "../../components/replication/providers/catalog-tables";
import { replicationRoleProvider } from "../../components/replication/providers/role";
import { publicationProvider } from "../../components/replication/providers/publication";
import { subscriptionProvider } from "../../components/replication/providers/subscription";
import { flowObjectName, replicationRoleName } from "../../components/replication/naming";
import { ReattachReport, reattachEdge } from "../../components/replication/providers/reattach";
import { LocalPgCluster, startLocalPg } from "../local-pg/cluster";
import { BaseBackup, chownLike, newestBaseBackupDir, restoreBaseBackup, serverOwner, takeBaseBackup, walArchiveSettings } from "./physical-backup";
import { runCli } from "../run-cli";

export const FACILITY = "facility-drill-001";
export const EDGE = "edge_drill";
export const REGION = "region_drill";
export const ORDERS_OUT = flowObjectName(EDGE, REGION);
export const PRODUCTS_IN = flowObjectName(REGION, EDGE);

export interface DrillOptions {
    /** archive_timeout of the edge, i.e. the RPO bound when the region is unreachable. Default 2 s (production default 60 s). */
    archiveTimeoutSeconds?: number;
    /** Orders written after the base backup, before the loss. Default 400. */
    ordersAfterBackup?: number;
    /** How long the edge keeps taking orders right before it is lost. Default 300 ms. */
    lastWritesMs?: number;
    /**
     * Whether the region is reachable while the edge takes its last orders. "unreachable": the
     * region is down from just before those orders until the restore, so only the WAL archive
     * holds them (RPO bounded by archive_timeout). Default "reachable".
     */
    region?: "reachable" | "unreachable";
    /** Print progress. Default false. */
    verbose?: boolean;
}

export interface Digest { count: number; checksum: string }

export interface DrillReport {
    scenario: { region: "reachable" | "unreachable"; archiveTimeoutSeconds: number; lastWritesMs: number };
    postgres: string;
    baseBackup: { bytes: number; ms: number };
    /** Orders the writer saw committed on the edge before it died. */
    committedOrders: number;
    /** Committed orders found nowhere after the restore (must be 0 when the region had them). */
    lostOrders: number;
    /** Orders present twice anywhere (must be 0). */
    duplicateOrders: number;
    /** Orders the restore brought back from the WAL archive (written after the base backup). */
    restoredFromArchive: number;
    /** What reconciling the orders changed (region → edge, edge → region, ...). */
    reconciledOrders: import("../../components/replication/providers/reattach").TableReconciliation;
    rtoMs: number;
    rtoParts: { restoreMs: number; reattachMs: number; firstWriteReplicatedMs: number };
    /** Seconds between the loss and the oldest committed order that was lost (0 when none). */
    rpoSeconds: number;
    finalOrders: { edge: Digest; region: Digest };
    finalProducts: { edge: Digest; region: Digest };
    reattach: Omit<ReattachReport, "outbound">;
}

/** Count and an order-independent checksum of a table. */
export async function digest(conn: PgConnection, table: string): Promise<Digest> {
    return withClient(conn, async (client) => {
        const { rows } = await client.query<{ count: string; checksum: string | null }>(
            `SELECT count(*) AS count, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS checksum FROM public.${table} t`);
        return { count: Number(rows[0].count), checksum: rows[0].checksum ?? "" };
    });
}

export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 120_000, everyMs = 100): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe().catch(() => false))) {
        if (Date.now() > deadline) throw new Error(`drill: timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
}

export async function inStep(a: PgConnection, b: PgConnection, table: string): Promise<boolean> {
    const [x, y] = await Promise.all([digest(a, table), digest(b, table)]);
    return x.count === y.count && x.checksum === y.checksum;
}

/** One flow wired with the providers, as the ReplicationMesh does (the drill's topology; tests reuse it). */
export async function wireFlow(from: PgConnection, to: PgConnection, fromNode: string, name: string, tables: string[], password: string, facility?: string): Promise<void> {
    const role = replicationRoleName(fromNode);
    await replicationRoleProvider.create!({ connection: from, roleName: role, password, tables, replicationAttribute: true, grantRoles: [] });
    await publicationProvider.create!({
        connection: from, publicationName: name, tables, publish: ["insert", "update", "delete", "truncate"],
        rowFilter: facility === undefined ? null : { column: "facility_id", equals: facility },
    });
    await subscriptionProvider.create!({
        connection: to, subscriptionName: name, publisher: { ...from, user: role, password }, publisherAdmin: from, publications: [name], tables,
    });
}

/** Takes orders at the edge one small transaction at a time, recording what committed and when (the fallback drill uses it too). */
export class OrderWriter {
    public readonly committed = new Map<string, number>();
    private next = 0;
    private running = false;
    private loop?: Promise<void>;

    constructor(private readonly edge: PgConnection, private readonly prefix: string, private readonly facility = FACILITY, private readonly tenant = "tenant-1") {}

    async write(n: number): Promise<void> {
        await withClient(this.edge, async (client) => {
            for (let i = 0; i < n; i++) await this.one(client);
        });
    }

    /** Writes until {@link stop} or until the connection dies (the loss). */
    start(): void {
        this.running = true;
        this.loop = withClient(this.edge, async (client) => {
            while (this.running) {
                await this.one(client);
                await new Promise((resolve) => setTimeout(resolve, 5));
            }
        }).catch(() => undefined);
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.loop;
    }

    private async one(client: import("pg").Client): Promise<void> {
        const id = `${this.prefix}-${++this.next}`;
        await client.query(
            "INSERT INTO public.orders (facility_id, tenant_id, order_id, customer_id, product_id, quantity, status) VALUES ($1, $3, $2, 'c-1', 'p-1', 1, 'new')",
            [this.facility, id, this.tenant]);
        // Recorded only once the commit returned: an order in this map is one the edge promised to keep.
        this.committed.set(id, Date.now());
    }
}

export async function runEdgeRestoreDrill(options: DrillOptions = {}): Promise<DrillReport> {
    const say = (line: string) => { if (options.verbose) console.log(`drill: ${line}`); };
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-dr-"));
    // Our own temp directory: the server's user (postgres, when we are root) must traverse it.
    fs.chmodSync(root, 0o755);
    const archiveDir = path.join(root, "wal-archive");
    // The backup container's two volumes: base backups named by their start, and the WAL archive.
    const backupsDir = path.join(root, "backups");
    fs.mkdirSync(archiveDir);
    fs.mkdirSync(backupsDir);
    let cluster: LocalPgCluster | undefined;
    try {
        cluster = await startLocalPg({
            names: [EDGE, REGION], tmpRoot: root, walSegmentSizeMb: 1, fsync: true,
            settings: { ...walArchiveSettings(archiveDir, options.archiveTimeoutSeconds ?? 2), wal_retrieve_retry_interval: "200ms" },
        });
        const edgeServer = cluster.get(EDGE);
        const owner = serverOwner(edgeServer);
        chownLike(archiveDir, owner);
        const edge = await edgeServer.createDatabase("app");
        const region = await cluster.get(REGION).createDatabase("app");
        for (const conn of [edge, region]) await ensureCatalogTables(conn, ["orders", "products"]);
        await wireFlow(edge, region, EDGE, ORDERS_OUT, ["orders"], "Drill-repl-pa55", FACILITY);
        await wireFlow(region, edge, REGION, PRODUCTS_IN, ["products"], "Drill-repl-pa55", undefined);
        await withClient(region, (c) => c.query(
            "INSERT INTO public.products (tenant_id, product_id, sku, name) SELECT 'tenant-1', 'p-' || g, 'SKU-' || g, 'Product ' || g FROM generate_series(1, 50) g"));

        const writer = new OrderWriter(edge, "o");
        await writer.write(300);
        await waitUntil("first orders at the region", () => inStep(edge, region, "orders"));
        await waitUntil("products at the edge", () => inStep(region, edge, "products"));

        say("base backup");
        const backupStarted = Date.now();
        const backup: BaseBackup = await takeBaseBackup(edgeServer, backupsDir);
        const backupMs = Date.now() - backupStarted;
        const ordersInBackup = writer.committed.size;

        // After the backup: orders the region receives, product changes the edge applies.
        await writer.write(options.ordersAfterBackup ?? 400);
        await withClient(region, (c) => c.query("UPDATE public.products SET name = name || ' v2', updated_at = now() WHERE product_id IN ('p-1', 'p-2', 'p-3')"));
        await waitUntil("orders at the region before the loss", () => inStep(edge, region, "orders"));
        // Normal operation: the archiver has had time to ship those orders' WAL.
        await new Promise((resolve) => setTimeout(resolve, ((options.archiveTimeoutSeconds ?? 2) + 1) * 1000));

        // The loss: writes in flight (with the region down, if asked), kill -9, disk gone.
        const regionServer = cluster.get(REGION);
        if (options.region === "unreachable") await regionServer.stop();
        writer.start();
        await new Promise((resolve) => setTimeout(resolve, options.lastWritesMs ?? 300));
        await edgeServer.kill();
        const lostAt = Date.now();
        await writer.stop();
        say(`edge lost with ${writer.committed.size} committed orders`);

        // --- Restore: this is where the RTO clock starts.
        const rtoStart = Date.now();
        // From the newest complete base backup in the volume, found as an operator finds it.
        const restore = await restoreBaseBackup(edgeServer, { ...backup, dir: newestBaseBackupDir(backupsDir) }, archiveDir, { owner });
        const restoredFromArchive = (await digest(edge, "orders")).count - ordersInBackup;
        say(`restored in ${restore.ms} ms (${restore.archivedSegments} archived segments)`);
        if (!regionServer.isRunning) await regionServer.start();
        const reattachStarted = Date.now();
        const reattach = await reattachEdge({ edge, region, outboundSubscription: ORDERS_OUT, outboundPublication: ORDERS_OUT, inboundSubscription: PRODUCTS_IN });
        const reattachMs = Date.now() - reattachStarted;
        // The edge takes orders again and the region gets them.
        const firstWriteStarted = Date.now();
        const after = new OrderWriter(edge, "after");
        await after.write(1);
        await waitUntil("the first order after the restore at the region", () => inStep(edge, region, "orders"));
        const rtoMs = Date.now() - rtoStart;
        const firstWriteReplicatedMs = Date.now() - firstWriteStarted;

        // More traffic both ways, then everything compared.
        await after.write(200);
        await withClient(region, (c) => c.query("UPDATE public.products SET name = name || ' v3', updated_at = now() WHERE product_id IN ('p-4', 'p-5')"));
        await waitUntil("orders in step", () => inStep(edge, region, "orders"));
        await waitUntil("products in step", () => inStep(region, edge, "products"));

        const present = async (conn: PgConnection) => withClient(conn, async (c) => {
            const { rows } = await c.query<{ order_id: string; n: string }>("SELECT order_id, count(*) AS n FROM public.orders WHERE facility_id = $1 GROUP BY order_id", [FACILITY]);
            return new Map(rows.map((r) => [r.order_id, Number(r.n)]));
        });
        const [onEdge, onRegion] = await Promise.all([present(edge), present(region)]);
        const lost = [...writer.committed].filter(([id]) => !onEdge.has(id) && !onRegion.has(id));
        const duplicateOrders = [...onEdge.values(), ...onRegion.values()].filter((n) => n > 1).length;
        const report: DrillReport = {
            scenario: { region: options.region ?? "reachable", archiveTimeoutSeconds: options.archiveTimeoutSeconds ?? 2, lastWritesMs: options.lastWritesMs ?? 300 },
            postgres: (await withClient(edge, (c) => c.query<{ server_version: string }>("SHOW server_version"))).rows[0].server_version,
            baseBackup: { bytes: backup.bytes, ms: backupMs },
            committedOrders: writer.committed.size,
            lostOrders: lost.length,
            duplicateOrders,
            restoredFromArchive,
            reconciledOrders: reattach.reconciled.orders,
            rtoMs,
            rtoParts: { restoreMs: restore.ms, reattachMs, firstWriteReplicatedMs },
            rpoSeconds: lost.length === 0 ? 0 : (lostAt - Math.min(...lost.map(([, at]) => at))) / 1000,
            finalOrders: { edge: await digest(edge, "orders"), region: await digest(region, "orders") },
            finalProducts: { edge: await digest(edge, "products"), region: await digest(region, "products") },
            reattach: { reconciled: reattach.reconciled, slotLsn: reattach.slotLsn, resynced: reattach.resynced },
        };
        return report;
    } finally {
        await cluster?.destroy();
        fs.rmSync(root, { recursive: true, force: true });
    }
}

/** The report as the table docs/dr.md shows. */
export function formatDrillReport(r: DrillReport): string {
    return [
        `scenario: region ${r.scenario.region} during the last ${r.scenario.lastWritesMs} ms of writes, archive_timeout ${r.scenario.archiveTimeoutSeconds} s`,
        `PostgreSQL ${r.postgres}; base backup ${(r.baseBackup.bytes / 2 ** 20).toFixed(1)} MiB in ${r.baseBackup.ms} ms`,
        `committed orders before the loss: ${r.committedOrders}; lost: ${r.lostOrders}; duplicated: ${r.duplicateOrders}`,
        `restored from the WAL archive: ${r.restoredFromArchive} orders after the base backup; reconciled: ${r.reconciledOrders.toEdge} region → edge, ${r.reconciledOrders.toRegion} edge → region, ${r.reconciledOrders.overwritten} overwritten, ${r.reconciledOrders.deletedOnEdge} deleted on the edge`,
        `RTO ${(r.rtoMs / 1000).toFixed(1)} s (restore + replay ${(r.rtoParts.restoreMs / 1000).toFixed(1)} s, re-attach ${(r.rtoParts.reattachMs / 1000).toFixed(1)} s, first order replicated ${(r.rtoParts.firstWriteReplicatedMs / 1000).toFixed(1)} s)`,
        `RPO ${r.rpoSeconds.toFixed(1)} s`,
        `final orders: edge ${r.finalOrders.edge.count} / region ${r.finalOrders.region.count} rows, checksums ${r.finalOrders.edge.checksum === r.finalOrders.region.checksum ? "equal" : "DIFFER"}`,
        `final products: edge ${r.finalProducts.edge.count} / region ${r.finalProducts.region.count} rows, checksums ${r.finalProducts.edge.checksum === r.finalProducts.region.checksum ? "equal" : "DIFFER"}`,
    ].join("\n");
}

/** `npm run dr:edge-restore [-- --region unreachable] [--archive-timeout 2] [--last-writes-ms 3000]` */
async function main(argv: string[]): Promise<void> {
    const flag = (name: string) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
    const region = flag("region") ?? "reachable";
    if (region !== "reachable" && region !== "unreachable") throw new Error(`--region: must be "reachable" or "unreachable", got ${JSON.stringify(region)}`);
    const number = (name: string, fallback: number) => {
        const raw = flag(name);
        const value = raw === undefined ? fallback : Number(raw);
        if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: must be a positive number, got ${JSON.stringify(raw)}`);
        return value;
    };
    const report = await runEdgeRestoreDrill({ verbose: true, region, archiveTimeoutSeconds: number("archive-timeout", 2), lastWritesMs: number("last-writes-ms", 300) });
    console.log(formatDrillReport(report));
    // Nothing duplicated, ever; nothing lost while the region was reachable.
    if (report.duplicateOrders > 0 || (region === "reachable" && report.lostOrders > 0)) process.exitCode = 1;
}

runCli(module, main, { showStack: false });
