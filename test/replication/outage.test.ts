/**
 * Outages on real PostgreSQL: the subscriber stopped, the subscriber and the publisher killed with
 * kill -9 in the middle of a catch-up, the publisher stopped; no row is lost or duplicated (count
 * and checksum compared). And the bounded WAL retention: past `max_slot_wal_keep_size` the slot is
 * lost and status says so plainly.
 */
import * as assert from "assert";
import { LocalPgCluster, LocalPgInstance, startLocalPg } from "../../tools/local-pg/cluster";
import { PgConnection, withClient } from "../../components/postgres/connection";
import { meshStatus, SLOT_LOST } from "../../ops/replication/status";
import { ManualFlow, tableDigest, waitFor, waitInStep, wireFlow } from "./helpers";

const LA = "facility-la-001";
let batch = 0;

/** `transactions` transactions of `rowsEach` LA orders (plus a few other-facility rows each). */
async function writeBacklog(conn: PgConnection, transactions: number, rowsEach: number): Promise<void> {
    const tag = `b${++batch}`;
    await withClient(conn, async (client) => {
        for (let t = 0; t < transactions; t++) {
            await client.query(
                "INSERT INTO orders (facility_id, tenant_id, order_id, customer_id, product_id, quantity, status) " +
                "SELECT CASE WHEN g % 10 = 0 THEN 'facility-fra-001' ELSE $1 END, 'tenant-1', $2 || '-' || $3::int || '-' || g, 'c', 'p', g, 'new' " +
                "FROM generate_series(1, $4::int) g", [LA, tag, t, rowsEach]);
        }
    });
}

async function count(conn: PgConnection): Promise<number> {
    return (await tableDigest(conn, "orders", LA)).count;
}

/** Polls the target quickly and kills `victim` as soon as the catch-up is under way but not finished. */
async function killMidCatchUp(victim: LocalPgInstance, target: PgConnection, before: number, total: number): Promise<number> {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
        const n = await count(target).catch(() => before);
        if (n > before && n < total) {
            await victim.kill();
            return n;
        }
        if (n >= total) throw new Error(`catch-up finished (${n} rows) before the kill: make the backlog larger`);
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error("catch-up did not start");
}

describe("replication outages on real PostgreSQL (nothing lost)", function () {
    this.timeout(180_000);
    let cluster: LocalPgCluster;
    let edge: PgConnection;
    let region: PgConnection;

    before(async () => {
        cluster = await startLocalPg({ names: ["edge", "region"], walSegmentSizeMb: 1, settings: { wal_retrieve_retry_interval: "200ms" } });
        edge = await cluster.get("edge").createDatabase("app");
        region = await cluster.get("region").createDatabase("app");
        const flow: ManualFlow = {
            from: edge, to: region, fromNode: "edge_la", name: "mesh_edge_la_to_us_east", tables: ["orders"],
            rowFilter: { column: "facility_id", equals: LA },
        };
        await wireFlow(flow);
    });

    after(async () => {
        await cluster?.destroy();
    });

    it("subscriber stopped while the edge keeps taking orders: catches up on restart", async () => {
        await cluster.get("region").stop();
        await writeBacklog(edge, 50, 100);
        await cluster.get("region").start();
        const digest = await waitInStep(edge, region, "orders", LA);
        assert.strictEqual(digest.count, 50 * 90);
    });

    it("subscriber killed with kill -9 mid catch-up: restarts and loses nothing", async () => {
        const before = await count(region);
        await cluster.get("region").stop();
        await writeBacklog(edge, 1500, 100);
        const total = await count(edge);
        await cluster.get("region").start();
        const atKill = await killMidCatchUp(cluster.get("region"), region, before, total);
        assert.ok(atKill > before && atKill < total);
        await cluster.get("region").start();
        const digest = await waitInStep(edge, region, "orders", LA, 120_000);
        assert.strictEqual(digest.count, total);
    });

    it("publisher killed with kill -9 mid catch-up: restarts, resumes from its slot, loses nothing", async () => {
        const before = await count(region);
        await cluster.get("region").stop();
        await writeBacklog(edge, 1500, 100);
        const total = await count(edge);
        await cluster.get("region").start();
        await killMidCatchUp(cluster.get("edge"), region, before, total);
        await cluster.get("edge").start();
        await writeBacklog(edge, 10, 100); // the edge takes orders again right after its crash
        const digest = await waitInStep(edge, region, "orders", LA, 120_000);
        assert.strictEqual(digest.count, total + 10 * 90);
    });

    it("publisher stopped cleanly: the subscriber waits, then resumes", async () => {
        await cluster.get("edge").stop();
        const status = await meshStatus(topology(), { edge_la: edge, us_east: region });
        assert.match(status.subscriptions[0].problems.join("; "), /publisher unreachable/);
        await cluster.get("edge").start();
        await writeBacklog(edge, 5, 100);
        const digest = await waitInStep(edge, region, "orders", LA);
        assert.deepStrictEqual(digest, await tableDigest(region, "orders", LA));
        assert.strictEqual((await tableDigest(region, "orders")).count, digest.count, "only the facility's rows");
    });

    function topology() {
        return {
            nodes: [
                { name: "edge_la", zone: "us", role: "edge", host: edge.host, port: edge.port, database: "app", user: "postgres" },
                { name: "us_east", zone: "us", role: "regional", host: region.host, port: region.port, database: "app", user: "postgres" },
            ],
            flows: [{ from: "edge_la", to: "us_east", subscriptionName: "mesh_edge_la_to_us_east", tables: ["orders"] }],
        };
    }

    it("bounded buffering: past max_slot_wal_keep_size the slot is lost and status says so", async () => {
        const small = await startLocalPg({ names: ["edge_small", "region_small"], walSegmentSizeMb: 1, maxSlotWalKeepSize: "3MB" });
        try {
            const e = await small.get("edge_small").createDatabase("app");
            const r = await small.get("region_small").createDatabase("app");
            await wireFlow({ from: e, to: r, fromNode: "edge_small", name: "mesh_edge_small_to_region_small", tables: ["orders"] });
            await writeBacklog(e, 1, 10);
            await waitInStep(e, r, "orders");
            await small.get("region_small").stop();
            const topo = {
                nodes: [
                    { name: "edge_small", zone: "us", role: "edge", host: e.host, port: e.port, database: "app", user: "postgres" },
                    { name: "region_small", zone: "us", role: "regional", host: r.host, port: r.port, database: "app", user: "postgres" },
                ],
                flows: [{ from: "edge_small", to: "region_small", subscriptionName: "mesh_edge_small_to_region_small", tables: ["orders"] }],
            };
            await waitFor("slot lost", async () => {
                await writeBacklog(e, 20, 200);
                await withClient(e, (c) => c.query("CHECKPOINT"));
                const status = await meshStatus(topo, { edge_small: e, region_small: r });
                return { ok: status.subscriptions[0].walStatus === "lost", detail: `wal_status ${status.subscriptions[0].walStatus}` };
            });
            const status = await meshStatus(topo, { edge_small: e, region_small: r });
            assert.ok(status.subscriptions[0].problems.includes(SLOT_LOST), status.subscriptions[0].problems.join("; "));
            assert.match(SLOT_LOST, /^slot lost: rebuild with full copy needed/);
            const retained = (await small.get("edge_small").query<{ n: string }>(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) AS n FROM pg_replication_slots")).map((x) => x.n);
            assert.deepStrictEqual(retained, [null], "a lost slot no longer pins WAL on the edge disk");
        } finally {
            await small.destroy();
        }
    });
});
