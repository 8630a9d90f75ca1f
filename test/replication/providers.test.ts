/**
 * The replication providers driven directly against real PostgreSQL 16 (tools/local-pg): data and
 * filters, idempotent create, drift detected and repaired, refresh on a new table, delete with the
 * publisher down, the edge-priority guard, same-cluster blue/green and the switch helpers.
 * One edge and one regional instance are shared by the whole file.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { LocalPgCluster, startLocalPg } from "../../tools/local-pg/cluster";
import { PgConnection, withClient } from "../../components/postgres/connection";
import { publicationProvider, readPublication } from "../../components/replication/providers/publication";
import { subscriptionProvider, SubscriptionState, readSubscription } from "../../components/replication/providers/subscription";
import { replicationRoleProvider, readReplicationRole } from "../../components/replication/providers/role";
import { edgePriorityProvider } from "../../components/replication/providers/edge-priority";
import { ensureCatalogTables } from "../../components/replication/providers/catalog-tables";
import { meshStatus } from "../../ops/replication/status";
import { postgresDatabaseProvider } from "../../components/postgres/providers/database";
import { prepareSwitch } from "../../ops/replication/switch";
import { replicationRoleName } from "../../components/replication/naming";
import {
    ManualFlow, ROLE_PASSWORD, insertOrders, publicationInputs, roleInputs, subscriptionInputs, tableDigest, waitFor,
    waitInStep, wireFlow, withDeadline,
} from "./helpers";

const LA = "facility-la-001";
const FRA = "facility-fra-001";

describe("replication providers on real PostgreSQL", function () {
    this.timeout(180_000);
    let cluster: LocalPgCluster;
    let edge: PgConnection;
    let region: PgConnection;
    let flow: ManualFlow;

    before(async () => {
        cluster = await startLocalPg({ names: ["edge", "region"], walSegmentSizeMb: 1, settings: { wal_retrieve_retry_interval: "300ms" } });
        edge = await cluster.get("edge").createDatabase("app");
        region = await cluster.get("region").createDatabase("app");
        flow = {
            from: edge, to: region, fromNode: "edge_la", name: "mesh_edge_la_to_us_east", tables: ["orders"],
            rowFilter: { column: "facility_id", equals: LA },
        };
        await ensureCatalogTables(edge, ["orders"]);
        await insertOrders(edge, LA, "pre", 40); // existing rows: the initial copy must bring them
        await insertOrders(edge, FRA, "pre", 25);
        await wireFlow(flow);
    });

    after(async () => {
        await cluster?.destroy();
    });

    it("copies and streams only the facility's rows (insert, update, delete)", async () => {
        await insertOrders(edge, LA, "new", 60);
        await insertOrders(edge, FRA, "new", 30);
        await withClient(edge, async (c) => {
            await c.query("UPDATE orders SET status = 'shipped' WHERE facility_id = $1 AND order_id LIKE 'new-1%'", [LA]);
            await c.query("DELETE FROM orders WHERE facility_id = $1 AND order_id = 'pre-1'", [LA]);
        });
        const digest = await waitInStep(edge, region, "orders", LA);
        assert.strictEqual(digest.count, 99);
        const all = await tableDigest(region, "orders");
        assert.strictEqual(all.count, 99, "no Frankfurt row reached the regional database");
        const shipped = await withClient(region, async (c) => (await c.query("SELECT count(*)::int AS n FROM orders WHERE status = 'shipped'")).rows[0].n);
        assert.strictEqual(shipped, 11);
    });

    it("uses a least-privilege role, not the admin, in the subscription's connection", async () => {
        const sub = await readSubscription(region, flow.name);
        assert.strictEqual(sub?.publisher.user, "mesh_repl_edge_la");
        const role = await readReplicationRole(edge, "mesh_repl_edge_la");
        assert.deepStrictEqual(role, { attributes: ["login", "replication"], tables: ["orders"], grantRoles: [] });
        await assert.rejects(
            withClient({ ...edge, user: "mesh_repl_edge_la", password: ROLE_PASSWORD }, (c) => c.query("CREATE TABLE evil (x int)")),
            /permission denied/);
    });

    it("create is idempotent: an equal existing object is adopted, and reads back without drift", async () => {
        const pub = await publicationProvider.create!(publicationInputs(flow));
        const sub = await subscriptionProvider.create!(subscriptionInputs(flow));
        const role = await replicationRoleProvider.create!(roleInputs(flow));
        const pubRead = await publicationProvider.read!(pub.id, pub.outs);
        assert.deepStrictEqual(await publicationProvider.diff!(pub.id, pubRead.props, publicationInputs(flow)), { changes: false, replaces: [], deleteBeforeReplace: false });
        const subRead = await subscriptionProvider.read!(sub.id, sub.outs);
        assert.strictEqual((await subscriptionProvider.diff!(sub.id, subRead.props, subscriptionInputs(flow))).changes, false);
        const roleRead = await replicationRoleProvider.read!(role.id, role.outs);
        assert.strictEqual((await replicationRoleProvider.diff!(role.id, roleRead.props, roleInputs(flow))).changes, false);
    });

    it("detects a publication altered by hand (filter removed) and repairs it with update", async () => {
        await withClient(edge, (c) => c.query("ALTER PUBLICATION mesh_edge_la_to_us_east SET TABLE public.orders WHERE (facility_id IN ('facility-la-001', 'facility-fra-001'))"));
        const read = await publicationProvider.read!(flow.name, publicationInputs(flow) as never);
        assert.deepStrictEqual(read.props.rowFilter, { column: "facility_id", in: [FRA, LA] });
        const diff = await publicationProvider.diff!(flow.name, read.props, publicationInputs(flow));
        assert.strictEqual(diff.changes, true);
        assert.deepStrictEqual(diff.replaces, []);
        await publicationProvider.update!(flow.name, read.props, publicationInputs(flow));
        const actual = await readPublication(edge, flow.name);
        assert.deepStrictEqual(actual?.filters, { orders: { column: "facility_id", values: [LA] } });
        const again = await publicationProvider.read!(flow.name, publicationInputs(flow) as never);
        assert.strictEqual((await publicationProvider.diff!(flow.name, again.props, publicationInputs(flow))).changes, false);
    });

    it("detects a publication dropped by hand (read: gone) and recreates it; replication continues", async () => {
        await withClient(edge, (c) => c.query("DROP PUBLICATION mesh_edge_la_to_us_east"));
        const read = await publicationProvider.read!(flow.name, publicationInputs(flow) as never);
        assert.strictEqual(read.id, "", "a dropped publication reads as gone");
        await publicationProvider.create!(publicationInputs(flow));
        await insertOrders(edge, LA, "after-repair", 10);
        const digest = await waitInStep(edge, region, "orders", LA);
        assert.strictEqual(digest.count, 109);
    });

    it("adding a table to the publication reaches the subscriber (REFRESH PUBLICATION, no re-copy)", async () => {
        const wider: ManualFlow = { ...flow, tables: ["orders", "inventory_transactions"] };
        await ensureCatalogTables(edge, wider.tables);
        await ensureCatalogTables(region, wider.tables);
        await withClient(edge, (c) => c.query(
            "INSERT INTO inventory_transactions (facility_id, tenant_id, transaction_id, product_id, quantity_delta, reason) " +
            "SELECT $1, 't', 'tx-' || g, 'p', g, 'count' FROM generate_series(1, 15) g UNION ALL " +
            "SELECT $2, 't', 'tx-' || g, 'p', g, 'count' FROM generate_series(1, 5) g", [LA, FRA]));
        await replicationRoleProvider.update!(flow.name, roleInputs(flow), roleInputs(wider));
        const pubState = (await publicationProvider.read!(flow.name, publicationInputs(flow) as never)).props;
        assert.strictEqual((await publicationProvider.diff!(flow.name, pubState, publicationInputs(wider))).changes, true);
        await publicationProvider.update!(flow.name, pubState, publicationInputs(wider));
        const subState = (await subscriptionProvider.read!(flow.name, subscriptionInputs(flow) as SubscriptionState)).props;
        const diff = await subscriptionProvider.diff!(flow.name, subState, subscriptionInputs(wider));
        assert.deepStrictEqual([diff.changes, diff.replaces], [true, []], "a new table is an in-place update, never a replacement");
        await subscriptionProvider.update!(flow.name, subState, subscriptionInputs(wider));
        const tx = await waitInStep(edge, region, "inventory_transactions", LA);
        assert.strictEqual(tx.count, 15);
        assert.strictEqual((await tableDigest(region, "inventory_transactions")).count, 15, "the filter holds on the new table");
        assert.strictEqual((await tableDigest(region, "orders")).count, 109, "existing table not copied again");
        flow = wider;
    });

    it("detects a subscription disabled by hand and re-enables it", async () => {
        await withClient(region, (c) => c.query("ALTER SUBSCRIPTION mesh_edge_la_to_us_east DISABLE"));
        const read = await subscriptionProvider.read!(flow.name, subscriptionInputs(flow) as SubscriptionState);
        assert.strictEqual(read.props.enabled, false);
        const status = await meshStatus(topologyOf(flow), { edge_la: edge, us_east: region });
        assert.match(status.subscriptions[0].problems.join(";"), /subscription disabled/);
        assert.strictEqual((await subscriptionProvider.diff!(flow.name, read.props, subscriptionInputs(flow))).changes, true);
        await subscriptionProvider.update!(flow.name, read.props, subscriptionInputs(flow));
        await insertOrders(edge, LA, "re-enabled", 5);
        assert.strictEqual((await waitInStep(edge, region, "orders", LA)).count, 114);
    });

    it("edge priority: regional local writes to the facility's rows are rejected, replicated writes pass", async () => {
        const guard = { connection: region, tables: ["orders", "inventory_transactions"], facilities: [LA] };
        await edgePriorityProvider.create!(guard);
        await assert.rejects(withClient(region, (c) => c.query(
            "INSERT INTO orders (facility_id, tenant_id, order_id) VALUES ($1, 't', 'cloud-1')", [LA])), /edge priority: orders rows of facility facility-la-001 are owned by its edge/);
        await assert.rejects(withClient(region, (c) => c.query("UPDATE orders SET status = 'cloud' WHERE facility_id = $1", [LA])), /edge priority/);
        await assert.rejects(withClient(region, (c) => c.query("DELETE FROM orders WHERE facility_id = $1", [LA])), /edge priority/);
        await assert.rejects(withClient(region, (c) => c.query("TRUNCATE orders")), /edge priority: orders holds rows owned by edge facilities/);
        // A facility without an edge stays writable in the region.
        await withClient(region, (c) => c.query("INSERT INTO orders (facility_id, tenant_id, order_id) VALUES ('facility-none', 't', 'cloud-2')"));
        // Replication apply (session_replication_role = replica) is not stopped by the guard.
        await withClient(edge, (c) => c.query("UPDATE orders SET status = 'edge-wins' WHERE facility_id = $1 AND order_id = 'pre-2'", [LA]));
        await insertOrders(edge, LA, "guarded", 5);
        assert.strictEqual((await waitInStep(edge, region, "orders", LA)).count, 119);
        const read = await edgePriorityProvider.read!("x", guard as never);
        assert.deepStrictEqual([read.props.tables, read.props.facilities], [["inventory_transactions", "orders"], [LA]]);
        await withClient(region, (c) => c.query("DELETE FROM orders WHERE facility_id = 'facility-none'"));
    });

    it("blue -> green on the same server: subscription does not hang, stays in step, switch syncs sequences", async () => {
        const regionPg = cluster.get("region");
        const blue = await regionPg.createDatabase("blue");
        const green = await regionPg.createDatabase("green");
        for (const db of [blue, green]) {
            await withClient(db, (c) => c.query("CREATE SEQUENCE IF NOT EXISTS order_number"));
        }
        await ensureCatalogTables(blue, ["orders"]);
        await insertOrders(blue, LA, "blue", 50);
        await withClient(blue, (c) => c.query("SELECT setval('order_number', 4242)"));
        const colours: ManualFlow = { from: blue, to: green, fromNode: "us_east_blue", name: "mesh_us_east_blue_to_us_east_green", tables: ["orders"] };
        // Would hang forever if the slot were created by CREATE SUBSCRIPTION on the same cluster: bound it.
        await withDeadline(wireFlow(colours), 60_000, "same-cluster CREATE SUBSCRIPTION hung");
        await insertOrders(blue, LA, "blue-more", 25);
        assert.strictEqual((await waitInStep(blue, green, "orders")).count, 75);
        const prepared = await prepareSwitch({ source: blue, target: green, subscriptionName: colours.name, sequenceMargin: 100 });
        const seq = prepared.sequences.find((s) => s.name === "public.order_number");
        assert.deepStrictEqual(seq, { name: "public.order_number", source: 4242, target: 4342 });
        const next = await withClient(green, async (c) => Number((await c.query("SELECT nextval('order_number') AS n")).rows[0].n));
        assert.ok(next > 4242, `green's sequence continues past blue's (got ${next})`);
        assert.deepStrictEqual(await tableDigest(green, "orders"), await tableDigest(blue, "orders"));
        const state = (await subscriptionProvider.read!(colours.name, subscriptionInputs(colours) as SubscriptionState)).props;
        const report = await subscriptionProvider.delete!(colours.name, state);
        assert.strictEqual(report, undefined);
        assert.strictEqual((await regionPg.query("SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = $1", [colours.name]))[0].n, 0, "slot dropped");
    });

    it("deleting a same-server subscription during its initial copy neither hangs nor leaves slots", async () => {
        // Before the table-sync slots were dropped first, DROP SUBSCRIPTION here deadlocked with a
        // table-sync worker creating its slot (seen about once in 20-40 cycles on this machine).
        const regionPg = cluster.get("region");
        const tables = ["orders", "customers", "products", "product_prices", "inventory_snapshots", "facility_status", "inventory_transactions", "production_logs"];
        const blue = await regionPg.createDatabase("drop_blue");
        const green = await regionPg.createDatabase("drop_green");
        await ensureCatalogTables(blue, tables);
        await insertOrders(blue, LA, "copy", 5000);
        const flow: ManualFlow = { from: blue, to: green, fromNode: "drop_blue", name: "mesh_drop_blue_to_drop_green", tables };
        for (let cycle = 0; cycle < 20; cycle++) {
            await ensureCatalogTables(green, tables);
            await withClient(green, (c) => c.query("TRUNCATE orders"));
            await wireFlow(flow);
            const state = { ...subscriptionInputs(flow), slotName: flow.name } as SubscriptionState;
            await withDeadline(subscriptionProvider.delete!(flow.name, state), 30_000, `cycle ${cycle}: DROP SUBSCRIPTION hung`);
            const left = await regionPg.query("SELECT slot_name FROM pg_replication_slots WHERE database = $1", [blue.database]);
            assert.deepStrictEqual(left, [], `cycle ${cycle}: no slot left behind`);
        }
    });

    it("PostgresDatabase: creates, adopts, changes owner, reads, and drops only when asked", async () => {
        const admin = cluster.get("region").connection();
        const inputs = { connection: admin, databaseName: "green_app", dropOnDelete: false };
        const created = await postgresDatabaseProvider.create!(inputs);
        assert.deepStrictEqual([created.id, created.outs.owner], ["green_app", "postgres"]);
        const adopted = await postgresDatabaseProvider.create!(inputs);
        assert.strictEqual(adopted.id, "green_app", "an existing database is adopted");
        await cluster.get("region").query("CREATE ROLE app_owner");
        const diff = await postgresDatabaseProvider.diff!("green_app", created.outs, { ...inputs, owner: "app_owner" });
        assert.deepStrictEqual([diff.changes, diff.replaces], [true, []]);
        await postgresDatabaseProvider.update!("green_app", created.outs, { ...inputs, owner: "app_owner" });
        assert.strictEqual((await postgresDatabaseProvider.read!("green_app", created.outs)).props.owner, "app_owner");
        assert.deepStrictEqual((await postgresDatabaseProvider.diff!("green_app", created.outs, { ...inputs, databaseName: "blue_app" })).replaces, ["databaseName"]);
        await postgresDatabaseProvider.delete!("green_app", { ...created.outs, dropOnDelete: false });
        assert.strictEqual((await postgresDatabaseProvider.read!("green_app", created.outs)).id, "green_app", "kept: dropOnDelete is false");
        await postgresDatabaseProvider.delete!("green_app", { ...created.outs, dropOnDelete: true });
        assert.strictEqual((await postgresDatabaseProvider.read!("green_app", created.outs)).id, "", "dropped");
        await assert.rejects(postgresDatabaseProvider.create!({ ...inputs, databaseName: "x; DROP DATABASE postgres" }), /databaseName: .* is not a plain SQL identifier/);
    });

    it("npm run mesh:status reports each subscription (child process, discovered flows)", () => {
        const url = (c: PgConnection) => `postgres://${c.user}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${c.database}`;
        const run = spawnSync(process.execPath, ["--conditions=agogsaas-source", "-r", "ts-node/register/transpile-only", "tools/mesh-status.ts",
            "--node", `edge_la=${url(edge)}`, "--node", `us_east=${url(region)}`, "--json"], { encoding: "utf8", env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" } });
        assert.strictEqual(run.status, 0, run.stderr + run.stdout);
        const status = JSON.parse(run.stdout);
        assert.strictEqual(status.subscriptions.length, 1);
        const sub = status.subscriptions[0];
        assert.deepStrictEqual([sub.subscription, sub.from, sub.to, sub.enabled, sub.walStatus, sub.problems], [flow.name, "edge_la", "us_east", true, "reserved", []]);
        assert.ok(typeof sub.lastMessageAt === "string" && typeof sub.slotRetainedBytes === "number" && typeof sub.applyLagBytes === "number");
        assert.ok(!run.stdout.includes(edge.password), "no password in the output");
    });

    it("delete with the publisher down completes, reports the slot left behind, and status lists it as an orphan", async () => {
        const state = (await subscriptionProvider.read!(flow.name, subscriptionInputs(flow) as SubscriptionState)).props;
        await cluster.get("edge").stop();
        const { dropSubscription } = await import("../../components/replication/providers/subscription");
        const warn = console.warn;
        console.warn = () => undefined;
        let report;
        try {
            report = await withDeadline(dropSubscription(state), 60_000, "delete hung with the publisher down");
        } finally {
            console.warn = warn;
        }
        assert.strictEqual(report.subscriptionDropped, true);
        assert.strictEqual(report.slotDropped, false);
        assert.strictEqual(report.slotLeftBehind?.slotName, flow.name);
        assert.strictEqual(await readSubscription(region, flow.name), undefined);
        await cluster.get("edge").start();
        const status = await meshStatus({ nodes: topologyOf(flow).nodes, flows: [] }, { edge_la: edge, us_east: region });
        assert.deepStrictEqual(status.orphanSlots.map((o) => o.slotName), [flow.name]);
        // Cleaning up once the publisher is back: the provider's delete is idempotent and drops the slot.
        await subscriptionProvider.delete!(flow.name, state);
        await waitFor("slot dropped", async () => (await cluster.get("edge").query("SELECT 1 FROM pg_replication_slots", [], "app")).length === 0);
        await replicationRoleProvider.delete!(replicationRoleName("edge_la"), roleInputs(flow));
        assert.strictEqual(await readReplicationRole(edge, replicationRoleName("edge_la")), undefined);
    });
});

function topologyOf(flow: ManualFlow) {
    return {
        nodes: [
            { name: "edge_la", zone: "us", role: "edge", host: flow.from.host, port: flow.from.port, database: "app", user: "postgres" },
            { name: "us_east", zone: "us", role: "regional", host: flow.to.host, port: flow.to.port, database: "app", user: "postgres" },
        ],
        flows: [{ from: "edge_la", to: "us_east", subscriptionName: flow.name, tables: flow.tables }],
    };
}
