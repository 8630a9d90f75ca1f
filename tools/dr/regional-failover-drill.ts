/**
 * The regional failover drill, for real on embedded PostgreSQL 16 (`npm run dr:regional-failover`;
 * test/dr/regional-failover.test.ts runs the same function and asserts on its report):
 *
 *   edge ⇄ regional primary ("us-east-1"): orders edge → region (facility row filter), products
 *   region → edge, as the mesh wires them; a standby ("us-west-2", same zone) kept by physical
 *   streaming replication (low-level base backup, physical slot, standby.signal, primary_conninfo).
 *   Steady writes on both sides → optionally the standby cut off for the last N ms (a lagging link)
 *   → the primary killed (-9) → promoteStandby → repointFlow for the edge's orders (edge → new
 *   primary) → the region takes writes and an edge order arrives (RTO stops) → repointFlow for the
 *   master data (new primary → edge) → more writes → everything compared.
 *
 * The target is checked with the sovereignty module before anything starts: a standby in another
 * zone is refused (exit 2). The "regions" are labels here: every server runs on this machine.
 *
 * RTO: from the kill until the promoted standby has accepted a region-side write and an edge order
 * written after the kill has arrived there (detection of the outage is not included). RPO: the
 * region-side commits the standby had not received (count, and seconds between the oldest of them
 * and the kill). Edge orders are never lost: they are still on the edge, and the re-based flow
 * brings over those the lost primary had confirmed but the standby never received.
 */
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { PgConnection, withClient } from "../../components/postgres/connection";
import { ensureCatalogTables } from "../../components/replication/providers/catalog-tables";
import { flowObjectName } from "../../components/replication/naming";
import { RepointReport, promoteStandby, repointFlow } from "../../ops/replication/failover";
import { FailoverTarget, TABLE_NAMES, assertFailoverTarget, tablesOfClass } from "../../components/shared/sovereignty";
import { ValidationError } from "../../components/shared/errors";
import { LocalPgCluster, startLocalPg } from "../local-pg/cluster";
import { Digest, digest, inStep, waitUntil, wireFlow } from "./edge-restore-drill";
import { serverOwner, startStreamingStandby, takeBaseBackup } from "./physical-backup";
import { main as failoverCommand } from "./failover";
import { runCli } from "../run-cli";

export const FACILITY = "facility-drill-001";
export const EDGE = "edge_drill";
export const REGION = "region_drill";
const PRIMARY_SERVER = "region_primary";
const STANDBY_SERVER = "region_standby";
export const ORDERS_OUT = flowObjectName(EDGE, REGION);
export const PRODUCTS_IN = flowObjectName(REGION, EDGE);
const STANDBY_SLOT = "region_standby";
const PASSWORD = "Drill-repl-pa55";

export interface FailoverDrillOptions {
    /** Region of the primary (a label: placement is checked, the servers run locally). Default "us-east-1". */
    from?: string;
    /** Region of the standby that takes over; another zone is refused. Default "us-west-2". */
    to?: string;
    /** Move aggregate tables only (the one thing that may cross zones). Default false. */
    aggregatesOnly?: boolean;
    /** The standby's link is cut this long before the primary dies (a lagging standby). Default 0. */
    standbyLagMs?: number;
    /** Steady writes before the loss, in ms. Default 1500. */
    steadyMs?: number;
    /**
     * Before re-basing, let the promoted standby's own copy of the subscription resume as it is and
     * count the orders it skips (the experiment docs/dr.md describes; RTO then includes the wait). Default false.
     */
    observePlainResume?: boolean;
    /** Fail over with the operator command (`npm run dr:failover`, tools/dr/failover.ts) instead of the library calls. Default false. */
    operatorCommand?: boolean;
    /** Print progress. Default false. */
    verbose?: boolean;
}

export interface FailoverDrillReport {
    scenario: { from: string; to: string; zone: string; standbyLagMs: number };
    postgres: string;
    /** Region-side commits (products) the writer saw before the kill, and those the promoted standby lacks. */
    regionCommits: number;
    lostRegionCommits: number;
    /** Seconds between the oldest lost region-side commit and the kill (0 when none). */
    rpoSeconds: number;
    /** Edge orders committed (before, during and after the failover), lost (nowhere at the region) and duplicated. */
    edgeOrders: number;
    lostEdgeOrders: number;
    duplicateOrders: number;
    /** Orders committed on the edge before the kill that the promoted standby lacked: brought over from the edge by the re-based flow. */
    ordersMissingOnStandby: number;
    /** With `observePlainResume`: of those, the ones still missing once the standby's own subscription streamed again (skipped for good without the re-base). */
    skippedByPlainResume?: number;
    rtoMs: number;
    rtoParts: { promoteMs: number; repointOrdersMs: number; firstRegionWriteMs: number; firstEdgeOrderMs: number };
    /** Master data flowing to the edge again (after the RTO point). */
    repointProductsMs: number;
    /** What re-basing each flow changed (absent with `operatorCommand`: the command prints it). */
    orders?: RepointReport;
    products?: RepointReport;
    /** With `operatorCommand`: the exit code of the command run without --promote while the standby was in recovery (1: refused). */
    commandInRecoveryExit?: number;
    finalOrders: { edge: Digest; region: Digest };
    finalProducts: { edge: Digest; region: Digest };
}

/** Refuses a target the sovereignty rules forbid, before anything is started (the CLI exits 2). */
export function checkFailoverTarget(options: FailoverDrillOptions): FailoverTarget {
    const from = options.from ?? "us-east-1";
    const target = assertFailoverTarget("--to", "aws", from, options.to ?? "us-west-2", options.aggregatesOnly ? tablesOfClass("aggregate") : TABLE_NAMES);
    if (options.aggregatesOnly && !target.crossZone) {
        throw new ValidationError("--aggregates-only", `${target.target} is in zone ${target.toZone} like ${from}: a failover there moves the whole database, leave the flag off`);
    }
    if (target.crossZone) {
        // Allowed by the rules, not built by this drill: it fails over a whole database. Aggregates
        // already reach the peer regions continuously over the mesh's aggregate flows.
        throw new ValidationError("--aggregates-only", `a move of aggregate tables only to ${target.target} (zone ${target.toZone}) is allowed, but it is what the mesh's region ↔ region aggregate flows already do; ` +
            "this drill fails over a whole database and does not run it", `a region of zone ${target.fromZone}`);
    }
    return target;
}

/** A TCP relay between the standby and the primary that can be frozen (the link stops carrying bytes). */
class FreezableLink {
    private readonly pairs: Array<[net.Socket, net.Socket]> = [];
    private frozen = false;
    private readonly server: net.Server;
    public port = 0;

    constructor(private readonly targetPort: number) {
        this.server = net.createServer((client) => {
            const upstream = net.connect(this.targetPort, "127.0.0.1");
            for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
                a.on("error", () => b.destroy());
                a.on("close", () => b.destroy());
            }
            this.pairs.push([client, upstream]);
            if (this.frozen) return; // held, never connected through
            client.pipe(upstream);
            upstream.pipe(client);
        });
    }

    async listen(): Promise<number> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
        this.port = (this.server.address() as net.AddressInfo).port;
        return this.port;
    }

    freeze(): void {
        this.frozen = true;
        for (const [a, b] of this.pairs) {
            a.unpipe(b);
            b.unpipe(a);
            a.pause();
            b.pause();
        }
    }

    close(): void {
        for (const [a, b] of this.pairs) { a.destroy(); b.destroy(); }
        this.server.close();
    }
}

/** One small transaction at a time on `conn`, recording every commit that returned (and when). */
class Writer {
    public readonly committed = new Map<string, number>();
    private next = 0;
    private running = false;
    private loop?: Promise<void>;

    constructor(private readonly prefix: string, private readonly sql: string, private readonly params: (id: string) => unknown[]) {}

    /** Writes one row on `conn` and returns its id (throws when the server refuses). */
    async one(conn: PgConnection): Promise<string> {
        return withClient(conn, async (client) => this.insert(client));
    }

    /** Writes until {@link stop} or until the connection dies. */
    start(conn: PgConnection, pauseMs = 5): void {
        this.running = true;
        this.loop = withClient(conn, async (client) => {
            while (this.running) {
                await this.insert(client);
                await new Promise((resolve) => setTimeout(resolve, pauseMs));
            }
        }).catch(() => undefined);
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.loop;
    }

    private async insert(client: import("pg").Client): Promise<string> {
        const id = `${this.prefix}-${++this.next}`;
        await client.query(this.sql, this.params(id));
        this.committed.set(id, Date.now());
        return id;
    }
}

async function expectExit0(code: Promise<number>): Promise<undefined> {
    const exit = await code;
    if (exit !== 0) throw new Error(`drill: npm run dr:failover exited ${exit}`);
    return undefined;
}

async function ids(conn: PgConnection, sql: string): Promise<Map<string, number>> {
    return withClient(conn, async (c) => new Map((await c.query<{ id: string; n: string }>(sql)).rows.map((r) => [r.id, Number(r.n)])));
}

export async function runRegionalFailoverDrill(options: FailoverDrillOptions = {}): Promise<FailoverDrillReport> {
    const target = checkFailoverTarget(options);
    if (options.operatorCommand && options.observePlainResume) throw new ValidationError("observePlainResume", "needs the standby promoted by the drill, not by the operator command");
    const from = options.from ?? "us-east-1";
    const lagMs = options.standbyLagMs ?? 0;
    const say = (line: string) => { if (options.verbose) console.log(`drill: ${line}`); };
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-failover-"));
    // Our own temp directory: the server's user (postgres, when we are root) must traverse it.
    fs.chmodSync(root, 0o755);
    let cluster: LocalPgCluster | undefined;
    let link: FreezableLink | undefined;
    try {
        cluster = await startLocalPg({
            names: [EDGE, PRIMARY_SERVER, STANDBY_SERVER], tmpRoot: root, walSegmentSizeMb: 1, fsync: true,
            settings: { wal_retrieve_retry_interval: "200ms" },
        });
        const primaryServer = cluster.get(PRIMARY_SERVER);
        const standbyServer = cluster.get(STANDBY_SERVER);
        const edge = await cluster.get(EDGE).createDatabase("app");
        const primary = await primaryServer.createDatabase("app");
        for (const conn of [edge, primary]) await ensureCatalogTables(conn, ["orders", "products"]);
        await wireFlow(edge, primary, EDGE, ORDERS_OUT, ["orders"], PASSWORD, FACILITY);
        await wireFlow(primary, edge, REGION, PRODUCTS_IN, ["products"], PASSWORD, undefined);
        await withClient(primary, (c) => c.query(
            "INSERT INTO public.products (tenant_id, product_id, sku, name) SELECT 'tenant-1', 'p-' || g, 'SKU-' || g, 'Product ' || g FROM generate_series(1, 50) g"));

        const orders = new Writer("o", "INSERT INTO public.orders (facility_id, tenant_id, order_id, customer_id, product_id, quantity, status) VALUES ($1, 'tenant-1', $2, 'c-1', 'p-1', 1, 'new')", (id) => [FACILITY, id]);
        const products = new Writer("w", "INSERT INTO public.products (tenant_id, product_id, sku, name) VALUES ('tenant-1', $1, $1, 'written at the region')", (id) => [id]);
        for (let i = 0; i < 200; i++) await orders.one(edge);
        await waitUntil("first orders at the region", () => inStep(edge, primary, "orders"));
        await waitUntil("products at the edge", () => inStep(primary, edge, "products"));

        // The standby: physical slot first (it holds the WAL from the backup's start), then the copy.
        say("base backup → streaming standby");
        await primaryServer.query("SELECT pg_create_physical_replication_slot($1, true)", [STANDBY_SLOT]);
        const backupDir = path.join(root, "standby-base-backup");
        const backup = await takeBaseBackup(primaryServer, backupDir);
        link = new FreezableLink(primaryServer.port);
        const linkPort = await link.listen();
        const admin = primaryServer.connection();
        await startStreamingStandby(standbyServer, backup, {
            primaryConninfo: `host=127.0.0.1 port=${linkPort} user=${admin.user} password=${admin.password} application_name=${STANDBY_SLOT}`,
            slot: STANDBY_SLOT, owner: serverOwner(primaryServer),
        });
        const standby = standbyServer.connection("app");

        // Steady writes on both sides; then (optionally) the standby falls behind; then the loss.
        orders.start(edge);
        products.start(primary);
        await new Promise((resolve) => setTimeout(resolve, options.steadyMs ?? 1500));
        if (lagMs > 0) {
            link.freeze();
            await new Promise((resolve) => setTimeout(resolve, lagMs));
        }
        await primaryServer.kill();
        const killedAt = Date.now();
        await products.stop();
        const regionCommitted = new Map(products.committed);
        say(`primary killed after ${regionCommitted.size} region-side commits; edge still taking orders (${orders.committed.size} so far)`);

        // --- Failover (the RTO clock runs from the kill). The edge keeps taking orders throughout.
        const url = (c: PgConnection) => `postgres://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${c.database}`;
        const command = (extra: string[]) => failoverCommand(["--cloud", "aws", "--from", from, "--to", target.target, "--standby", url(standby), "--edge", url(edge), ...extra]);
        const commandInRecoveryExit = options.operatorCommand ? await command(["--outbound", ORDERS_OUT]) : undefined;
        const promoted = options.operatorCommand ? { ms: 0 } : await promoteStandby({ standby });
        // What the standby holds of the orders committed before the kill (read outside the RTO parts).
        const onStandbyAtPromotion = await ids(standby, `SELECT order_id AS id, 1 AS n FROM public.orders WHERE facility_id = '${FACILITY}'`);
        const committedBeforeKill = [...orders.committed].filter(([, at]) => at <= killedAt).map(([id]) => id);
        let skippedByPlainResume: number | undefined;
        if (options.observePlainResume) {
            const probe = await orders.one(edge);
            await waitUntil("the standby's own subscription to stream again", async () =>
                (await withClient(standby, (c) => c.query("SELECT 1 FROM public.orders WHERE facility_id = $1 AND order_id = $2", [FACILITY, probe]))).rowCount === 1);
            const now = await ids(standby, `SELECT order_id AS id, 1 AS n FROM public.orders WHERE facility_id = '${FACILITY}'`);
            skippedByPlainResume = committedBeforeKill.filter((id) => !onStandbyAtPromotion.has(id) && !now.has(id)).length;
            say(`plain resume: ${skippedByPlainResume} orders skipped`);
        }
        const repointStarted = Date.now();
        const ordersReport = options.operatorCommand
            ? await expectExit0(command(["--promote", "--outbound", ORDERS_OUT]))
            : await repointFlow({ publisherAdmin: edge, subscriber: standby, subscription: ORDERS_OUT });
        const repointOrdersMs = Date.now() - repointStarted;
        const writeStarted = Date.now();
        await products.one(standby);
        const firstRegionWriteMs = Date.now() - writeStarted;
        const orderStarted = Date.now();
        const firstOrderAfter = await orders.one(edge);
        await waitUntil("an edge order at the promoted standby", async () =>
            (await withClient(standby, (c) => c.query("SELECT 1 FROM public.orders WHERE facility_id = $1 AND order_id = $2", [FACILITY, firstOrderAfter]))).rowCount === 1, 120_000, 5);
        const rtoMs = Date.now() - killedAt;
        const firstEdgeOrderMs = Date.now() - orderStarted;
        say(`region back: RTO ${rtoMs} ms`);

        // Master data to the edge again, from the new primary (the region owns it: its copy wins).
        const productsStarted = Date.now();
        const productsReport = options.operatorCommand ? await expectExit0(command(["--inbound", PRODUCTS_IN])) : await repointFlow({
            publisherAdmin: standby, subscriber: edge, subscription: PRODUCTS_IN,
            // Host and port only: the replication role's login is kept from the subscription.
            newPublisher: { host: standby.host, port: standby.port },
        });
        const repointProductsMs = Date.now() - productsStarted;

        // Normal operation on the new primary, then everything compared.
        products.start(standby);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await Promise.all([orders.stop(), products.stop()]);
        await waitUntil("orders in step", () => inStep(edge, standby, "orders"));
        await waitUntil("products in step", () => inStep(standby, edge, "products"));

        const orderSql = `SELECT order_id AS id, count(*) AS n FROM public.orders WHERE facility_id = '${FACILITY}' GROUP BY order_id`;
        const [onEdge, atRegion] = await Promise.all([ids(edge, orderSql), ids(standby, orderSql)]);
        const productIds = await ids(standby, "SELECT product_id AS id, count(*) AS n FROM public.products GROUP BY product_id");
        const lostRegion = [...regionCommitted].filter(([id]) => !productIds.has(id));
        return {
            scenario: { from, to: target.target, zone: target.fromZone, standbyLagMs: lagMs },
            postgres: (await withClient(edge, (c) => c.query<{ server_version: string }>("SHOW server_version"))).rows[0].server_version,
            regionCommits: regionCommitted.size,
            lostRegionCommits: lostRegion.length,
            rpoSeconds: lostRegion.length === 0 ? 0 : (killedAt - Math.min(...lostRegion.map(([, at]) => at))) / 1000,
            edgeOrders: orders.committed.size,
            lostEdgeOrders: [...orders.committed.keys()].filter((id) => !atRegion.has(id)).length,
            duplicateOrders: [...onEdge.values(), ...atRegion.values()].filter((n) => n > 1).length,
            ordersMissingOnStandby: committedBeforeKill.filter((id) => !onStandbyAtPromotion.has(id)).length,
            ...(commandInRecoveryExit === undefined ? {} : { commandInRecoveryExit }),
            ...(skippedByPlainResume === undefined ? {} : { skippedByPlainResume }),
            rtoMs,
            rtoParts: { promoteMs: promoted.ms, repointOrdersMs, firstRegionWriteMs, firstEdgeOrderMs },
            repointProductsMs,
            ...(ordersReport === undefined ? {} : { orders: ordersReport }),
            ...(productsReport === undefined ? {} : { products: productsReport }),
            finalOrders: { edge: await digest(edge, "orders"), region: await digest(standby, "orders") },
            finalProducts: { edge: await digest(edge, "products"), region: await digest(standby, "products") },
        };
    } finally {
        link?.close();
        await cluster?.destroy();
        fs.rmSync(root, { recursive: true, force: true });
    }
}

/** The report as docs/dr.md shows it. */
export function formatFailoverReport(r: FailoverDrillReport): string {
    const same = (x: Digest, y: Digest) => (x.checksum === y.checksum ? "equal" : "DIFFER");
    return [
        `scenario: ${r.scenario.from} → ${r.scenario.to} (zone ${r.scenario.zone}), standby cut off ${r.scenario.standbyLagMs} ms before the primary died`,
        `PostgreSQL ${r.postgres}`,
        `RTO ${(r.rtoMs / 1000).toFixed(2)} s (promote ${r.rtoParts.promoteMs} ms, re-point the edge's orders ${r.rtoParts.repointOrdersMs} ms, first region write ${r.rtoParts.firstRegionWriteMs} ms, first edge order arrived ${r.rtoParts.firstEdgeOrderMs} ms); master data to the edge again in ${r.repointProductsMs} ms more`,
        `RPO ${r.rpoSeconds.toFixed(2)} s: ${r.lostRegionCommits} of ${r.regionCommits} region-side commits lost (the standby had not received them)`,
        `edge orders: ${r.edgeOrders} committed, ${r.lostEdgeOrders} lost, ${r.duplicateOrders} duplicated; ${r.ordersMissingOnStandby} committed before the kill were missing on the standby; ` +
            `re-base copied ${r.orders?.reconciled.orders?.inserted ?? "(see the command's output)"} from the edge's snapshot` +
            (r.skippedByPlainResume === undefined ? "" : `; resumed as it was, the standby's subscription skipped ${r.skippedByPlainResume} of them`),
        `master data re-based on the edge: ${JSON.stringify(r.products?.reconciled.products ?? "(see the command's output)")}`,
        `final orders: edge ${r.finalOrders.edge.count} / region ${r.finalOrders.region.count} rows, checksums ${same(r.finalOrders.edge, r.finalOrders.region)}`,
        `final products: edge ${r.finalProducts.edge.count} / region ${r.finalProducts.region.count} rows, checksums ${same(r.finalProducts.edge, r.finalProducts.region)}`,
    ].join("\n");
}

/** `npm run dr:regional-failover [-- --from us-east-1] [--to us-west-2] [--standby-lag-ms 500] [--observe-plain-resume] [--aggregates-only]` */
export async function main(argv: string[]): Promise<number> {
    const known = new Set(["--from", "--to", "--standby-lag-ms", "--aggregates-only", "--observe-plain-resume"]);
    const flag = (name: string) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
    let options: FailoverDrillOptions;
    try {
        for (const arg of argv) if (arg.startsWith("--") && !known.has(arg)) throw new ValidationError(arg, "unknown option", [...known].join(", "));
        const lag = flag("standby-lag-ms");
        const standbyLagMs = lag === undefined ? 0 : Number(lag);
        if (!Number.isInteger(standbyLagMs) || standbyLagMs < 0) throw new ValidationError("--standby-lag-ms", `must be an integer >= 0, got ${JSON.stringify(lag)}`);
        options = { from: flag("from"), to: flag("to"), aggregatesOnly: argv.includes("--aggregates-only"), standbyLagMs, observePlainResume: argv.includes("--observe-plain-resume"), verbose: true };
        // Sovereignty first: a refused target starts nothing.
        checkFailoverTarget(options);
    } catch (err) {
        console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
        return 2;
    }
    const report = await runRegionalFailoverDrill(options);
    console.log(formatFailoverReport(report));
    // Edge orders are never lost or doubled; region-side loss is the RPO, reported, not a failure.
    return report.lostEdgeOrders > 0 || report.duplicateOrders > 0 ? 1 : 0;
}

runCli(module, main, { showStack: false });
