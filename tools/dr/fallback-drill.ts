/**
 * The cloud fallback drill (`npm run dr:fallback`; test/dr/fallback.test.ts runs the same function
 * and asserts on its report): the whole cycle of issue #15 part 2 on the `local` stack, deployed
 * by the real Pulumi engine onto embedded PostgreSQL 16.
 *
 *   1. `pulumi up` (mode edge); LA takes orders, a writer keeps taking them and records each commit;
 *   2. the LA edge is lost: kill -9 mid-write, its data directory deleted;
 *   3. `localEdgeModes.edge_la: fallback` + `pulumi up`: the workspace `edge_la_fallback` on the
 *      us-east server is created, seeded from blue, its login opened; the cloud takes LA's orders
 *      through that login (the URL output), and they reach blue and green;
 *   4. a new LA edge at the same address (an empty server); mode `return` + `pulumi up --refresh`:
 *      the refresh forgets the lost edge's objects, the update re-creates them, drains the workspace
 *      and seeds the new edge from blue; the workspace is deleted;
 *   5. mode `edge` + `pulumi up`; LA takes orders again and they reach the region; a regional
 *      write to LA's rows is refused (edge priority); then LA, blue and green compared: count and
 *      checksum of LA's orders and of the master data.
 *
 * RTO: from the loss until the first order written in the cloud is at blue (the `pulumi up` of
 * step 3 included; deciding to fall back is not). RPO: the orders the edge committed that no
 * copy has after the fallback (replication lag at the moment of the loss), and their age.
 */
import * as fs from "fs";
import { PgConnection, withClient } from "../../components/postgres/connection";
import { fallbackLoginUser, fallbackNodeName } from "../../components/fallback/plan";
import { FACILITY_LA, NODES, TENANT } from "../../stacks/local-topology";
import { FALLBACK_SERVER, derivedLoginPassword } from "../../stacks/local";
import { TableDigest, digestTable } from "../demo/digest";
import { addProducts, countWhere } from "../demo/workload";
import { LocalDeployment, startLocalDeployment, summaryOf } from "../engine/local-deployment";
import { OrderWriter, waitUntil } from "./edge-restore-drill";

const EDGE = "edge_la" as const;
const WORKSPACE = fallbackNodeName(EDGE);

export interface FallbackDrillOptions {
    /** Orders LA takes before the loss, in one go. Default 300. */
    ordersBeforeLoss?: number;
    /** How long the writer keeps taking orders right before the loss. Default 300 ms. */
    lastWritesMs?: number;
    /** Orders taken in the cloud workspace during the fallback. Default 200. */
    cloudOrders?: number;
    /** Print progress. Default false. */
    verbose?: boolean;
}

/** Resource counts of one `pulumi up`. */
export type UpSummary = Record<string, number>;

export interface FallbackDrillReport {
    /** Orders the edge had committed when it was lost. */
    committedBeforeLoss: number;
    /** Of those, found in no copy after the fallback (the replication lag at the loss). */
    lostOrders: number;
    /** Age of the oldest lost order at the loss, s (0 when none). */
    rpoSeconds: number;
    /** Orders of LA the workspace held right after the fallback `up` (seeded from the region). */
    seededOrders: number;
    rtoMs: number;
    rtoParts: { fallbackUpMs: number; firstCloudOrderMs: number };
    /** The workspace URL the stack output (no password). */
    workspaceUrl: string;
    /** Whether the facility login was refused a write to master data in the workspace. */
    loginMayNotWriteMasterData: boolean;
    /** Time of the return `up --refresh` (drain + seeding of the new edge included), ms. */
    returnUpMs: number;
    /** Orders the cloud workspace committed (some of them while the return's `up` ran). */
    cloudOrders: number;
    /** Of those, missing on the new edge, blue or green at the end (must be 0: the drain). */
    cloudOrdersMissing: number;
    /** Orders copied into the new edge by the return. */
    seededIntoNewEdge: number;
    /** Whether a regional write to LA's rows was refused after the return. */
    edgePriorityRestored: boolean;
    /** Orders of LA present twice anywhere (must be 0). */
    duplicateOrders: number;
    /** Whether the workspace database and its login are gone after the return. */
    workspaceRemoved: boolean;
    ups: { initial: UpSummary; fallback: UpSummary; return: UpSummary; normal: UpSummary };
    /** LA's orders and the tenant's products on the new edge, blue and green at the end. */
    final: { orders: TableDigest[]; products: TableDigest[] };
}

async function digestOn(conn: PgConnection, node: string, table: "orders" | "products", column: string, value: string): Promise<TableDigest> {
    return withClient(conn, (client) => digestTable(client, node, table, { column, value }));
}

async function count(conn: PgConnection, sql: string, params: unknown[] = []): Promise<number> {
    return withClient(conn, async (client) => Number((await client.query<{ n: string }>(sql, params)).rows[0].n));
}

/** How long each "reaches" step of the drill may take. */
const WAIT_MS = 60_000;

export async function runFallbackDrill(options: FallbackDrillOptions = {}): Promise<FallbackDrillReport> {
    const say = (line: string) => { if (options.verbose) console.log(`drill: ${line}`); };
    let d: LocalDeployment | undefined;
    try {
        d = await startLocalDeployment();
        const { env, stack } = d;
        const edge = env.admin[NODES.edgeLa];
        const blue = env.admin[NODES.blue];
        const green = env.admin[NODES.green];
        const ordersOfLa = (conn: PgConnection) => countWhere(conn, "orders", "facility_id", FACILITY_LA);
        const orderIds = async (conn: PgConnection) => withClient(conn, async (c) =>
            new Map((await c.query<{ id: string; n: string }>("SELECT order_id AS id, count(*) AS n FROM public.orders WHERE facility_id = $1 GROUP BY 1", [FACILITY_LA])).rows.map((r) => [r.id, Number(r.n)])));

        say("pulumi up (mode edge)");
        const initial = summaryOf((await stack.up()).stdout);
        await addProducts(blue, 40);
        const productsOfTenant = (conn: PgConnection) => countWhere(conn, "products", "tenant_id", TENANT);
        await waitUntil("products at LA", async () => (await productsOfTenant(edge)) === 40, WAIT_MS);
        const writer = new OrderWriter(edge, "edge", FACILITY_LA, TENANT);
        await writer.write(options.ordersBeforeLoss ?? 300);
        await waitUntil("LA's orders at blue", async () => (await ordersOfLa(blue)) === writer.committed.size, WAIT_MS);

        // The loss: the writer is mid-stream, the server dies, its disk is gone.
        writer.start();
        await new Promise((resolve) => setTimeout(resolve, options.lastWritesMs ?? 300));
        const edgeServer = env.server(EDGE);
        await edgeServer.kill();
        const lostAt = Date.now();
        await writer.stop();
        fs.rmSync(edgeServer.dataDir, { recursive: true, force: true });
        say(`edge lost with ${writer.committed.size} committed orders`);

        // Fallback: one config change, one `pulumi up`.
        const fallbackConfig = d.variant("fallback", { "agogsaas:localEdgeModes": { [EDGE]: "fallback" } });
        const fallbackStarted = Date.now();
        const fallback = summaryOf((await stack.up([], { configFile: fallbackConfig })).stdout);
        const fallbackUpMs = Date.now() - fallbackStarted;
        const outputs = await stack.outputs();
        const workspaceUrl = String((outputs.fallback as Record<string, { url?: string }> | undefined)?.[EDGE]?.url ?? "");
        const regional = env.server(FALLBACK_SERVER[EDGE]);
        const workspaceAdmin = regional.connection(WORKSPACE);
        const login: PgConnection = { ...workspaceAdmin, user: fallbackLoginUser(EDGE), password: derivedLoginPassword(env.password, EDGE) };
        const seededOrders = await ordersOfLa(workspaceAdmin);
        const [atBlue, atGreen, inWorkspace] = await Promise.all([orderIds(blue), orderIds(green), orderIds(workspaceAdmin)]);
        const lost = [...writer.committed].filter(([id]) => !atBlue.has(id) && !atGreen.has(id) && !inWorkspace.has(id));
        say(`fallback up in ${fallbackUpMs} ms; workspace seeded with ${seededOrders} orders; ${lost.length} committed orders lost`);

        // The factory works from the cloud, with its own login.
        const cloud = new OrderWriter(login, "cloud", FACILITY_LA, TENANT);
        const firstStarted = Date.now();
        await cloud.write(1);
        await waitUntil("the first cloud order at blue", async () => (await count(blue, "SELECT count(*) AS n FROM public.orders WHERE order_id = 'cloud-1'")) === 1, WAIT_MS);
        const rtoMs = Date.now() - lostAt;
        const firstCloudOrderMs = Date.now() - firstStarted;
        await cloud.write((options.cloudOrders ?? 200) - 1);
        const loginMayNotWriteMasterData = await withClient(login, (c) => c.query(
            "INSERT INTO public.products (tenant_id, product_id, sku, name) VALUES ($1, 'p-cloud', 'SKU-C', 'not allowed')", [TENANT]))
            .then(() => false, (error: Error) => /permission denied/.test(error.message));
        // Master data changed in the region during the fallback reaches the workspace.
        await withClient(blue, (c) => c.query("UPDATE public.products SET name = name || ' (fallback price list)', updated_at = now() WHERE tenant_id = $1 AND product_id IN ('p-1', 'p-2')", [TENANT]));
        await addProducts(blue, 45);
        await waitUntil("the region's product changes in the workspace", async () => (await productsOfTenant(workspaceAdmin)) === 45, WAIT_MS);
        await waitUntil("cloud orders at blue and green", async () =>
            (await ordersOfLa(blue)) === seededOrders + cloud.committed.size && (await ordersOfLa(green)) === seededOrders + cloud.committed.size, WAIT_MS);

        // A new edge at the facility's address: an empty server.
        say("new edge; mode return, pulumi up --refresh");
        await edgeServer.initialise();
        await edgeServer.start();
        const returnConfig = d.variant("return", { "agogsaas:localEdgeModes": { [EDGE]: "return" } });
        // The cloud keeps taking orders until the return closes its login: every one that committed
        // must reach the new edge (the drain waits for them at the region before seeding from it).
        const lastCloud = new OrderWriter(login, "cloud-last", FACILITY_LA, TENANT);
        lastCloud.start();
        const returnStarted = Date.now();
        const returnRun = await stack.up(["--refresh"], { configFile: returnConfig });
        if (process.env.DRILL_DEBUG) console.log(returnRun.stdout);
        const back = summaryOf(returnRun.stdout);
        const returnUpMs = Date.now() - returnStarted;
        await lastCloud.stop();
        const seededIntoNewEdge = await ordersOfLa(edge);
        const workspaceRemoved = (await count(regional.connection(), "SELECT count(*) AS n FROM pg_database WHERE datname = $1", [WORKSPACE])) === 0 &&
            (await count(regional.connection(), "SELECT count(*) AS n FROM pg_roles WHERE rolname = $1", [fallbackLoginUser(EDGE)])) === 0;

        say("mode edge, pulumi up");
        const normal = summaryOf((await stack.up()).stdout);
        const after = new OrderWriter(edge, "back", FACILITY_LA, TENANT);
        await after.write(100);
        const expected = seededIntoNewEdge + after.committed.size;
        await waitUntil("the new edge's orders at blue and green", async () => (await ordersOfLa(blue)) === expected && (await ordersOfLa(green)) === expected, WAIT_MS);
        const edgePriorityRestored = await withClient(blue, (c) => c.query(
            "UPDATE public.orders SET status = 'overwritten-by-region' WHERE facility_id = $1 AND order_id = 'back-1'", [FACILITY_LA]))
            .then(() => false, () => true);

        const [onEdge, onBlue, onGreen] = await Promise.all([orderIds(edge), orderIds(blue), orderIds(green)]);
        const cloudOrdersMissing = [...cloud.committed.keys(), ...lastCloud.committed.keys()].filter((id) => !onEdge.has(id) || !onBlue.has(id) || !onGreen.has(id)).length;
        const duplicateOrders = [...onEdge.values(), ...onBlue.values(), ...onGreen.values()].filter((n) => n > 1).length;
        const final = {
            orders: await Promise.all([[edge, "edge-la (new)"], [blue, "us-east-blue"], [green, "us-east-green"]].map(([conn, node]) =>
                digestOn(conn as PgConnection, node as string, "orders", "facility_id", FACILITY_LA))),
            products: await Promise.all([[edge, "edge-la (new)"], [blue, "us-east-blue"], [green, "us-east-green"]].map(([conn, node]) =>
                digestOn(conn as PgConnection, node as string, "products", "tenant_id", TENANT))),
        };
        return {
            committedBeforeLoss: writer.committed.size, lostOrders: lost.length,
            rpoSeconds: lost.length === 0 ? 0 : Math.max(0, lostAt - Math.min(...lost.map(([, at]) => at))) / 1000,
            seededOrders, rtoMs, rtoParts: { fallbackUpMs, firstCloudOrderMs }, workspaceUrl, loginMayNotWriteMasterData,
            returnUpMs, seededIntoNewEdge, cloudOrders: cloud.committed.size + lastCloud.committed.size, cloudOrdersMissing, edgePriorityRestored, duplicateOrders, workspaceRemoved,
            ups: { initial, fallback, return: back, normal }, final,
        };
    } finally {
        await d?.cleanup();
    }
}

const equal = (digests: TableDigest[]) => digests.every((x) => x.count === digests[0].count && x.md5 === digests[0].md5);

/** Whether the cycle ended with every copy equal, nothing duplicated and the rules restored. */
export function fallbackDrillHeld(r: FallbackDrillReport): boolean {
    return r.duplicateOrders === 0 && r.cloudOrdersMissing === 0 && equal(r.final.orders) && equal(r.final.products) && r.workspaceRemoved && r.edgePriorityRestored && r.loginMayNotWriteMasterData;
}

export function formatFallbackReport(r: FallbackDrillReport): string {
    const ups = Object.entries(r.ups).map(([step, s]) => `${step}: ${Object.entries(s).map(([k, v]) => `${v} ${k}`).join(", ")}`).join("; ");
    return [
        `committed at the edge before the loss: ${r.committedBeforeLoss}; lost: ${r.lostOrders} (RPO ${r.rpoSeconds.toFixed(2)} s); duplicated: ${r.duplicateOrders}`,
        `fallback: workspace seeded with ${r.seededOrders} orders, URL ${r.workspaceUrl}`,
        `RTO ${(r.rtoMs / 1000).toFixed(1)} s (pulumi up ${(r.rtoParts.fallbackUpMs / 1000).toFixed(1)} s, first cloud order at blue ${(r.rtoParts.firstCloudOrderMs / 1000).toFixed(1)} s)`,
        `the facility login ${r.loginMayNotWriteMasterData ? "may not" : "MAY"} write master data in the workspace`,
        `cloud orders committed: ${r.cloudOrders} (some during the return); missing afterwards: ${r.cloudOrdersMissing}`,
        `return: pulumi up --refresh ${(r.returnUpMs / 1000).toFixed(1)} s, ${r.seededIntoNewEdge} orders seeded into the new edge; workspace ${r.workspaceRemoved ? "removed" : "STILL THERE"}; edge priority ${r.edgePriorityRestored ? "restored" : "NOT restored"}`,
        `engine: ${ups}`,
        ...r.final.orders.map((x) => `orders   ${x.node.padEnd(14)} ${String(x.count).padStart(5)} rows, md5 ${x.md5}`),
        ...r.final.products.map((x) => `products ${x.node.padEnd(14)} ${String(x.count).padStart(5)} rows, md5 ${x.md5}`),
        `held: ${fallbackDrillHeld(r) ? "yes" : "NO"}`,
    ].join("\n");
}

if (require.main === module) {
    runFallbackDrill({ verbose: true }).then((report) => {
        console.log(formatFallbackReport(report));
        if (!fallbackDrillHeld(report)) process.exitCode = 1;
    }).catch((err) => { console.error(err instanceof Error ? err.stack ?? err.message : err); process.exitCode = 1; });
}
