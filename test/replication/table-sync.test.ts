/**
 * Table sync readiness, and the PostgreSQL 16 hazard behind the demo's "relay loss": a table-sync
 * worker drops its slot on the publisher before it commits the table as synchronised; stopped in
 * between (the demo stopped the us-east server while green's initial copy was finishing), the
 * table stays at FINISHEDCOPY with no slot, and the subscription skips its changes for good.
 *
 * The race window is milliseconds wide, so the test builds the state it leaves deterministically:
 * the table's copy is held at FINISHEDCOPY (the apply worker, which must acknowledge it, is kept
 * waiting on a lock), its sync slot is dropped on the publisher and its worker terminated — what
 * PostgreSQL does and what the shutdown does, in the same order. Blue and green are two databases
 * on one server, as in the demo.
 */
import * as assert from "assert";
import type { Client } from "pg";
import { LocalPgCluster, startLocalPg } from "../../tools/local-pg/cluster";
import { PgConnection, newClient, withClient } from "../../components/postgres/connection";
import { ensureCatalogTables } from "../../components/replication/providers/catalog-tables";
import { replicationRoleProvider } from "../../components/replication/providers/role";
import { publicationProvider } from "../../components/replication/providers/publication";
import { subscriptionProvider } from "../../components/replication/providers/subscription";
import { meshStatus } from "../../ops/replication/status";
import { prepareSwitch } from "../../ops/replication/switch";
import { TableSyncStuckError, readTableSync, waitForTableSync } from "../../components/replication/providers/table-sync";
import { resyncTables } from "../../components/replication/providers/resync-tables";
import {
    ManualFlow, insertOrders, publicationInputs, roleInputs, subscriptionInputs, tableDigest, waitFor, waitInStep,
    withDeadline,
} from "./helpers";

const LA = "facility-la-001";

async function states(conn: PgConnection, subscription: string): Promise<Record<string, string>> {
    const { rows } = await withClient(conn, (c) => c.query<{ relname: string; state: string }>(
        "SELECT c.relname, r.srsubstate::text AS state FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid " +
        "JOIN pg_class c ON c.oid = r.srrelid WHERE s.subname = $1", [subscription]));
    return Object.fromEntries(rows.map((r) => [r.relname, r.state]));
}

async function waitingOnLock(conn: PgConnection, table: string): Promise<boolean> {
    const { rows } = await withClient(conn, (c) => c.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE relation = $1::regclass AND NOT granted", [`public.${table}`]));
    return rows[0].n > 0;
}

/** A session holding `LOCK TABLE ... IN SHARE MODE` (blocks writers, not readers) until released. */
async function holdShareLock(conn: PgConnection, table: string): Promise<Client> {
    const client = newClient(conn);
    await client.connect();
    await client.query("BEGIN");
    await client.query(`LOCK TABLE public.${table} IN SHARE MODE`);
    return client;
}

async function release(client: Client): Promise<void> {
    await client.query("COMMIT");
    await client.end();
}

describe("table sync readiness (same-server blue → green)", function () {
    this.timeout(180_000);
    let cluster: LocalPgCluster;
    let blue: PgConnection;
    let green: PgConnection;
    let flow: ManualFlow;

    before(async () => {
        cluster = await startLocalPg({ names: ["us_east"], settings: { wal_retrieve_retry_interval: "200ms" } });
        blue = await cluster.get("us_east").createDatabase("app_blue");
        green = await cluster.get("us_east").createDatabase("app_green");
        flow = { from: blue, to: green, fromNode: "us_east_blue", name: "mesh_us_east_blue_to_us_east_green", tables: ["inventory_transactions", "orders"] };
        for (const conn of [blue, green]) await ensureCatalogTables(conn, flow.tables);
        await insertOrders(blue, LA, "pre", 30);
        await replicationRoleProvider.create!(roleInputs(flow));
    });

    after(async () => {
        await cluster?.destroy();
    });

    it("the subscription provider returns only when every table's initial copy is done", async () => {
        // Only inventory_transactions at first; orders joins in the next test.
        await publicationProvider.create!({ ...publicationInputs(flow), tables: ["inventory_transactions"] });
        await subscriptionProvider.create!({ ...subscriptionInputs(flow), tables: ["inventory_transactions"] });
        // Right after create: without the wait the table is still 'i' (the workers start asynchronously).
        assert.deepStrictEqual(await states(green, flow.name), { inventory_transactions: "r" });
        const report = await readTableSync(green, flow.name, blue);
        assert.deepStrictEqual(report, { subscription: flow.name, ready: ["inventory_transactions"], syncing: [], stuck: [] });
    });

    it("a table left at FINISHEDCOPY without its sync slot is reported stuck, blocks a switch, and is repaired by resyncTables", async () => {
        // 1. orders joins the publication; its copy blocks on a lock at green (state 'd').
        const ordersLock = await holdShareLock(green, "orders");
        let applyLock: Client | undefined;
        try {
            await withClient(blue, (c) => c.query(`ALTER PUBLICATION ${flow.name} ADD TABLE public.orders`));
            await withClient(green, (c) => c.query(`ALTER SUBSCRIPTION ${flow.name} REFRESH PUBLICATION`));
            await waitFor("orders' table sync waiting on the lock", () => waitingOnLock(green, "orders"));
            // 2. The apply worker is kept inside a remote transaction (waiting on another lock), so
            //    it cannot acknowledge the copy: the table stays at FINISHEDCOPY once copied.
            applyLock = await holdShareLock(green, "inventory_transactions");
            await withClient(blue, (c) => c.query(
                "INSERT INTO inventory_transactions (facility_id, tenant_id, transaction_id, product_id, quantity_delta, reason) VALUES ($1, 't', 'move-1', 'p-1', 1, 'test')", [LA]));
            await waitFor("the apply worker waiting on the lock", () => waitingOnLock(green, "inventory_transactions"));
            await release(ordersLock);
            await waitFor("orders copied (FINISHEDCOPY)", async () => (await states(green, flow.name)).orders === "f");
        } catch (error) {
            await ordersLock.end().catch(() => undefined);
            await applyLock?.end().catch(() => undefined);
            throw error;
        }
        // 3. What PostgreSQL does when the worker finishes (drop its slot on the publisher), then
        //    what the shutdown does before the worker commits (terminate it).
        const before = await readTableSync(green, flow.name, blue);
        const syncSlot = before.syncing.find((t) => t.table === "orders")!.syncSlot;
        await withClient(blue, (c) => c.query("SELECT pg_drop_replication_slot($1)", [syncSlot]));
        await withClient(green, (c) => c.query(
            "SELECT pg_terminate_backend(st.pid) FROM pg_stat_subscription st JOIN pg_subscription s ON s.oid = st.subid " +
            "WHERE s.subname = $1 AND st.relid = 'public.orders'::regclass", [flow.name]));
        await release(applyLock);

        // 4. The loss: new orders on blue never reach green, though the subscription runs and its slot is confirmed.
        await insertOrders(blue, LA, "after", 40);
        await waitInStep(blue, green, "inventory_transactions");
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        assert.strictEqual((await tableDigest(green, "orders")).count, 30, "green has the copied rows only");
        assert.strictEqual((await states(green, flow.name)).orders, "f");

        // 5. Reported, not passed silently.
        const report = await readTableSync(green, flow.name, blue);
        assert.deepStrictEqual(report.stuck.map((t) => [t.table, t.state, t.syncSlot]), [["orders", "f", syncSlot]]);
        await assert.rejects(withDeadline(waitForTableSync({ subscriber: green, subscriptionName: flow.name, publisher: blue, timeoutMs: 60_000 }), 30_000, "waitForTableSync hung"),
            (error: unknown) => error instanceof TableSyncStuckError && /table sync of "orders" in subscription "mesh_us_east_blue_to_us_east_green" cannot finish/.test(error.message));
        const topology = {
            nodes: [
                { name: "us_east_blue", zone: "us", role: "regional", host: blue.host, port: Number(blue.port), database: blue.database, user: blue.user },
                { name: "us_east_green", zone: "us", role: "regional", host: green.host, port: Number(green.port), database: green.database, user: green.user },
            ],
            flows: [{ from: "us_east_blue", to: "us_east_green", subscriptionName: flow.name, tables: flow.tables }],
        };
        const status = await meshStatus(topology, { us_east_blue: blue, us_east_green: green });
        assert.deepStrictEqual(status.subscriptions[0].tablesNotReady, ["orders (copied, catching up)"]);
        assert.ok(status.subscriptions[0].problems.some((p) => p.includes('table sync of "orders"') && p.includes(syncSlot)), status.subscriptions[0].problems.join("; "));
        // The switch check used to pass here (slot confirmed, lag 0) while green lacked 40 orders.
        await assert.rejects(prepareSwitch({ source: blue, target: green, subscriptionName: flow.name, timeoutMs: 30_000 }), TableSyncStuckError);
        // The provider's adopt path (pulumi up) fails with the same diagnosis instead of succeeding.
        await assert.rejects(subscriptionProvider.create!(subscriptionInputs(flow)), TableSyncStuckError);

        // 6. The repair: copied again, in step, and changes flow again.
        const repaired = await resyncTables({ subscriber: green, subscriptionName: flow.name, publisherAdmin: blue, tables: ["orders"], timeoutMs: 60_000 });
        assert.deepStrictEqual(repaired.ready, ["inventory_transactions", "orders"]);
        await insertOrders(blue, LA, "later", 5);
        const digest = await waitInStep(blue, green, "orders");
        assert.strictEqual(digest.count, 75);
        await prepareSwitch({ source: blue, target: green, subscriptionName: flow.name, timeoutMs: 30_000 });
    });
});
