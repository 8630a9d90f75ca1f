/**
 * The ReplicationBundle provider driven directly against real PostgreSQL 16 (tools/local-pg): one
 * edge's tables, role and publication plus the regional subscription reading it, as ONE resource.
 * Create wires the flow (only the facility's rows arrive), create again adopts, a publication
 * dropped by hand is read as gone and re-created, a removed item is dropped (slot included), a
 * frozen item is never touched (not even by delete), and bad item lists are refused up front.
 * The tests run in order and share the edge and regional instances.
 */
import * as assert from "assert";
import { LocalPgCluster, startLocalPg } from "../../tools/local-pg/cluster";
import { PgConnection, withClient } from "../../components/postgres/connection";
import {
    BundleItem, ReplicationBundleInputs, ReplicationBundleState, replicationBundleProvider,
} from "../../components/replication/providers/bundle";
import { catalogTablesProvider, ensureCatalogTables, existingTables } from "../../components/replication/providers/catalog-tables";
import { replicationRoleProvider, readReplicationRole } from "../../components/replication/providers/role";
import { publicationProvider, readPublication } from "../../components/replication/providers/publication";
import { subscriptionProvider, readSubscription } from "../../components/replication/providers/subscription";
import { replicationRoleName } from "../../components/replication/naming";
import { ManualFlow, insertOrders, publicationInputs, roleInputs, subscriptionInputs, tableDigest, waitInStep } from "./helpers";

const LA = "facility-la-001";
const FRA = "facility-fra-001";
const provider = replicationBundleProvider;

describe("ReplicationBundle provider on real PostgreSQL", function () {
    this.timeout(180_000);
    let cluster: LocalPgCluster;
    let edge: PgConnection;
    let region: PgConnection;
    let flow: ManualFlow;
    let state: ReplicationBundleState;

    const slotsOnEdge = async () => (await cluster.get("edge").query<{ slot_name: string }>("SELECT slot_name FROM pg_replication_slots ORDER BY 1")).map((r) => r.slot_name);
    const tablesItem = (): BundleItem => ({ key: "tables", kind: "tables", inputs: { connection: edge, tables: ["inventory_transactions", "orders"] } });
    const roleItem = (): BundleItem => ({ key: "role", kind: "role", inputs: { ...roleInputs(flow) } });
    const pubItem = (): BundleItem => ({ key: `pub:${flow.name}`, kind: "publication", inputs: { ...publicationInputs(flow) } });
    const subItem = (): BundleItem => ({ key: `sub:${flow.name}`, kind: "subscription", inputs: { ...subscriptionInputs(flow) } });
    const bundle = (items: BundleItem[]): ReplicationBundleInputs => ({ bundleName: "edge_la", items });
    const full = () => bundle([tablesItem(), roleItem(), pubItem(), subItem()]);
    /** The same bundle with each connection given once in `connections` and named by the items (what the mesh registers). */
    const byReference = (): ReplicationBundleInputs => {
        const sub = subscriptionInputs(flow);
        const without = (item: BundleItem, fields: string[]) => ({ ...item, inputs: Object.fromEntries(Object.entries(item.inputs).filter(([k]) => !fields.includes(k))) });
        return {
            bundleName: "edge_la",
            connections: { admin_edge_la: edge, admin_region: region, login_edge_la: sub.publisher },
            items: [
                { ...without(tablesItem(), ["connection"]), connections: { connection: "admin_edge_la" } },
                { ...without(roleItem(), ["connection"]), connections: { connection: "admin_edge_la" } },
                { ...without(pubItem(), ["connection"]), connections: { connection: "admin_edge_la" } },
                { ...without(subItem(), ["connection", "publisher", "publisherAdmin"]), connections: { connection: "admin_region", publisher: "login_edge_la", publisherAdmin: "admin_edge_la" } },
            ],
        };
    };

    before(async () => {
        cluster = await startLocalPg({ names: ["edge", "region"], walSegmentSizeMb: 1, settings: { wal_retrieve_retry_interval: "300ms" } });
        edge = await cluster.get("edge").createDatabase("app");
        region = await cluster.get("region").createDatabase("app");
        flow = { from: edge, to: region, fromNode: "edge_la", name: "mesh_edge_la_to_us_east_blue", tables: ["orders"], rowFilter: { column: "facility_id", equals: LA } };
        // The region's tables come from the mesh's regional schema resource, not from the edge's bundle.
        await ensureCatalogTables(region, ["inventory_transactions", "orders"]);
        // The edge already holds orders (the initial copy must bring the facility's); inventory_transactions is the bundle's to create.
        await ensureCatalogTables(edge, ["orders"]);
        await insertOrders(edge, LA, "pre", 40);
        await insertOrders(edge, FRA, "pre", 25);
    });

    after(async () => {
        await cluster?.destroy();
    });

    it("create wires the flow in order; only the facility's rows arrive (initial copy and streaming)", async () => {
        assert.deepStrictEqual(await existingTables(edge, ["inventory_transactions", "orders"]), ["orders"]);
        const created = await provider.create!(full());
        state = created.outs;
        assert.strictEqual(created.id, "edge_la");
        assert.deepStrictEqual(state.items.map((i) => [i.key, i.kind, i.id]), [
            ["tables", "tables", "app:inventory_transactions,orders"],
            ["role", "role", "mesh_repl_edge_la"],
            [`pub:${flow.name}`, "publication", flow.name],
            [`sub:${flow.name}`, "subscription", flow.name],
        ]);
        assert.deepStrictEqual(await existingTables(edge, ["inventory_transactions", "orders"]), ["inventory_transactions", "orders"], "the tables item created the missing table");
        assert.deepStrictEqual(await readReplicationRole(edge, "mesh_repl_edge_la"), { attributes: ["login", "replication"], tables: ["orders"], grantRoles: [] });
        assert.deepStrictEqual(await readPublication(edge, flow.name), { tables: ["orders"], filters: { orders: { column: "facility_id", values: [LA] } }, publish: ["insert", "update", "delete", "truncate"] });
        assert.strictEqual((await readSubscription(region, flow.name))?.publisher.user, "mesh_repl_edge_la", "the subscription logs in as the least-privilege role");
        assert.deepStrictEqual(await slotsOnEdge(), [flow.name]);

        await insertOrders(edge, LA, "new", 30);
        await insertOrders(edge, FRA, "new", 20);
        const digest = await waitInStep(edge, region, "orders", LA);
        assert.strictEqual(digest.count, 70);
        assert.deepStrictEqual(await tableDigest(region, "orders"), digest, "nothing but the facility's rows on the region");
        assert.strictEqual((await tableDigest(edge, "orders")).count, 115);
    });

    it("create again on the existing objects adopts them (connections given by reference); read + diff then show no change", async () => {
        const again = await provider.create!(byReference());
        assert.deepStrictEqual(again.outs.items.map((i: { id: string }) => i.id), state.items.map((i) => i.id));
        assert.deepStrictEqual(await slotsOnEdge(), [flow.name], "no second slot");
        const subs = await cluster.get("region").query<{ n: number }>("SELECT count(*)::int AS n FROM pg_subscription", [], "app");
        assert.strictEqual(subs[0].n, 1);
        state = again.outs;
        const read = await provider.read!("edge_la", state);
        assert.ok(read.props.items.every((i: { outs: unknown }) => i.outs !== null), "every object is there");
        assert.deepStrictEqual(await provider.diff!("edge_la", read.props, full()), { changes: false, replaces: [], deleteBeforeReplace: false });
        assert.deepStrictEqual(await provider.diff!("edge_la", read.props, byReference()), { changes: false, replaces: [], deleteBeforeReplace: false }, "references resolve to the same inputs");
        await insertOrders(edge, LA, "adopted", 5);
        assert.strictEqual((await waitInStep(edge, region, "orders", LA)).count, 75, "still streaming, nothing copied twice");
    });

    it("drift: a publication dropped by hand reads as gone (outs null) and update re-creates it", async () => {
        await withClient(edge, (c) => c.query(`DROP PUBLICATION ${flow.name}`));
        const read = await provider.read!("edge_la", state);
        const items = read.props.items as ReplicationBundleState["items"];
        assert.deepStrictEqual(items.map((i) => [i.key, i.outs === null]), [
            ["tables", false], ["role", false], [`pub:${flow.name}`, true], [`sub:${flow.name}`, false],
        ]);
        const diff = await provider.diff!("edge_la", read.props, full());
        assert.deepStrictEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
        const updated = await provider.update!("edge_la", read.props, full());
        state = updated.outs;
        assert.ok(state.items.every((i) => i.outs !== null));
        assert.deepStrictEqual((await readPublication(edge, flow.name))?.filters, { orders: { column: "facility_id", values: [LA] } });
        const reread = await provider.read!("edge_la", state);
        assert.strictEqual((await provider.diff!("edge_la", reread.props, full())).changes, false, "converged");
        await insertOrders(edge, LA, "repaired", 10);
        await insertOrders(edge, FRA, "repaired", 10);
        assert.strictEqual((await waitInStep(edge, region, "orders", LA)).count, 85);
        assert.strictEqual((await tableDigest(region, "orders")).count, 85, "the re-created publication filters again");
    });

    it("an update without the subscription item drops the subscription and its slot on the edge, and nothing else", async () => {
        const without = bundle([tablesItem(), roleItem(), pubItem()]);
        assert.strictEqual((await provider.diff!("edge_la", state, without)).changes, true);
        const updated = await provider.update!("edge_la", state, without);
        state = updated.outs;
        assert.deepStrictEqual(state.items.map((i) => i.key), ["tables", "role", `pub:${flow.name}`]);
        assert.strictEqual(await readSubscription(region, flow.name), undefined);
        assert.deepStrictEqual(await slotsOnEdge(), [], "the slot went with the subscription");
        assert.ok(await readPublication(edge, flow.name), "the publication stays");
        assert.ok(await readReplicationRole(edge, "mesh_repl_edge_la"), "the role stays");
        assert.strictEqual((await tableDigest(region, "orders")).count, 85, "the rows already replicated stay");
    });

    it("an added item is created in place (the subscription again, resuming without a copy)", async () => {
        flow = { ...flow, options: { copyData: false } };
        const updated = await provider.update!("edge_la", state, full());
        state = updated.outs;
        assert.deepStrictEqual(state.items.map((i) => i.key), ["tables", "role", `pub:${flow.name}`, `sub:${flow.name}`]);
        assert.deepStrictEqual(await slotsOnEdge(), [flow.name]);
        await insertOrders(edge, LA, "resubscribed", 7);
        assert.strictEqual((await waitInStep(edge, region, "orders", LA)).count, 92);
    });

    it("a frozen item is left alone: not read, not changed, and kept by delete, which drops the others in reverse order", async () => {
        // The publication's node is 'offline': its inputs now ask for a second table, but nothing may reach it.
        const widerPub = (): BundleItem => ({ ...pubItem(), frozen: true, inputs: { ...publicationInputs({ ...flow, tables: ["orders", "inventory_transactions"] }) } });
        const frozen = bundle([tablesItem(), roleItem(), widerPub(), subItem()]);
        assert.strictEqual((await provider.diff!("edge_la", state, frozen)).changes, true, "freezing is recorded");
        state = (await provider.update!("edge_la", state, frozen)).outs;
        const pubState = state.items.find((i) => i.kind === "publication")!;
        assert.strictEqual(pubState.frozen, true);
        assert.deepStrictEqual((pubState.inputs as { tables: string[] }).tables, ["orders"], "the state keeps the last applied inputs");
        assert.deepStrictEqual((await readPublication(edge, flow.name))?.tables, ["orders"], "the frozen publication keeps its old table list");
        assert.deepStrictEqual(await provider.diff!("edge_la", state, frozen), { changes: false, replaces: [], deleteBeforeReplace: false });

        // Not read either: a hand edit on the frozen object does not show up.
        await withClient(edge, (c) => c.query(`ALTER PUBLICATION ${flow.name} SET TABLE public.orders`));
        const read = await provider.read!("edge_la", state);
        assert.deepStrictEqual(read.props.items.find((i: BundleItem) => i.kind === "publication").outs, pubState.outs);
        assert.strictEqual((await provider.diff!("edge_la", read.props, frozen)).changes, false);
        assert.deepStrictEqual((await readPublication(edge, flow.name))?.filters, { orders: null }, "and not repaired");

        const deleted: string[] = [];
        const providers = { tables: catalogTablesProvider, role: replicationRoleProvider, publication: publicationProvider, subscription: subscriptionProvider };
        const originals = Object.fromEntries(Object.entries(providers).map(([kind, p]) => [kind, p.delete]));
        for (const [kind, p] of Object.entries(providers)) {
            const original = p.delete!;
            p.delete = async (id, props) => { deleted.push(kind); return original.call(p, id, props); };
        }
        try {
            await provider.delete!("edge_la", read.props);
        } finally {
            for (const [kind, p] of Object.entries(providers)) p.delete = originals[kind];
        }
        assert.deepStrictEqual(deleted, ["subscription", "role", "tables"], "reverse order, the frozen publication skipped");
        assert.strictEqual(await readSubscription(region, flow.name), undefined);
        assert.deepStrictEqual(await slotsOnEdge(), []);
        assert.strictEqual(await readReplicationRole(edge, replicationRoleName("edge_la")), undefined);
        assert.deepStrictEqual((await readPublication(edge, flow.name))?.tables, ["orders"], "the frozen publication is kept");
        assert.deepStrictEqual(await existingTables(edge, ["inventory_transactions", "orders"]), ["inventory_transactions", "orders"], "tables (data) are never dropped");
        assert.strictEqual((await tableDigest(region, "orders")).count, 92);
    });

    describe("refuses a bad item list before touching any database", () => {
        const other = "mesh_edge_la_to_elsewhere";
        const cases: { what: string; items: () => BundleItem[]; message: RegExp }[] = [
            {
                what: "a duplicate key",
                items: () => [{ ...pubItem(), key: "p", inputs: { ...publicationInputs({ ...flow, name: other }) } }, { ...roleItem(), key: "p" }],
                message: /^replication bundle: items\[1\]\.key "p" is used twice$/,
            },
            {
                what: "an unknown kind",
                items: () => [{ ...pubItem(), key: "p", inputs: { ...publicationInputs({ ...flow, name: other }) } }, { key: "x", kind: "index" as never, inputs: {} }],
                message: /^replication bundle: unknown item kind "index"; allowed: tables, role, publication, subscription$/,
            },
            {
                what: "a kind named like an Object property",
                items: () => [{ ...pubItem(), key: "p", inputs: { ...publicationInputs({ ...flow, name: other }) } }, { key: "x", kind: "constructor" as never, inputs: {} }],
                message: /^replication bundle: unknown item kind "constructor"; allowed: tables, role, publication, subscription$/,
            },
            {
                what: "a connection name the bundle does not give",
                items: () => [{ ...pubItem(), key: "p", inputs: { ...publicationInputs({ ...flow, name: other }) } }, { ...roleItem(), connections: { connection: "admin_nowhere" } }],
                message: /^replication bundle: items\[1\]\.connections\.connection names "admin_nowhere", which is not one of the bundle's connections \(none\)$/,
            },
            {
                what: "an empty key",
                items: () => [{ ...pubItem(), key: "", inputs: { ...publicationInputs({ ...flow, name: other }) } }],
                message: /^replication bundle: items\[0\]\.key must be a non-empty string$/,
            },
        ];
        for (const c of cases) {
            it(c.what, async () => {
                await assert.rejects(provider.check!(bundle([]), bundle(c.items())), { message: c.message });
                await assert.rejects(provider.create!(bundle(c.items())), { message: c.message });
                await assert.rejects(provider.update!("edge_la", { bundleName: "edge_la", items: [] }, bundle(c.items())), { message: c.message });
                assert.strictEqual(await readPublication(edge, other), undefined, "the valid item before the bad one was not created");
            });
        }
        it("check passes a good list through unchanged", async () => {
            const good = full();
            assert.deepStrictEqual(await provider.check!(bundle([]), good), { inputs: good });
        });
    });
});
