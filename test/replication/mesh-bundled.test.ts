/**
 * ReplicationMesh with `bundleEdges: true` (what the regional stacks use) on real PostgreSQL 16,
 * applied through the demo's local engine (serialised providers, as `pulumi up` runs them): every
 * object of the edge, and of the flows it takes part in, is ONE ReplicationBundle; rows flow both
 * ways, filtered; destroy leaves no subscription, publication or slot behind.
 */
import * as assert from "assert";
import { LocalPgCluster, startLocalPg } from "../../tools/local-pg/cluster";
import { PgConnection, withClient } from "../../components/postgres/connection";
import { ReplicationMeshArgs } from "../../components/replication/replication-mesh";
import { applyMesh } from "../../tools/demo/apply-mesh";
import { CreatedResource, destroyCreated } from "../../tools/demo/engine";
import { insertOrders, tableDigest, waitFor, waitInStep } from "./helpers";

const LA = "facility-la-001";
const OTHER = "facility-dal-001";
const MESH = "bundled";

describe("ReplicationMesh with bundleEdges on real PostgreSQL", function () {
    this.timeout(180_000);
    let cluster: LocalPgCluster;
    let edge: PgConnection;
    let region: PgConnection;
    let created: CreatedResource[] = [];

    const meshArgs = (): ReplicationMeshArgs => ({
        bundleEdges: true,
        nodes: [
            // Passwords given: the local engine runs dynamic resources only (random ones would be mocks).
            { name: "edge_la", zone: "us", role: "edge", server: "edge", connection: edge, replicationPassword: "edge-Repl-pw" },
            { name: "us_blue", zone: "us", role: "regional", server: "region", connection: region, replicationPassword: "blue-Repl-pw" },
        ],
        flows: [
            { from: "edge_la", to: "us_blue", tables: ["orders"], rowFilter: { column: "facility_id", equals: LA } },
            { from: "us_blue", to: "edge_la", tables: ["customers"], rowFilter: { column: "tenant_id", equals: "t1" } },
        ],
    });

    const count = async (conn: PgConnection, sql: string) => (await withClient(conn, (c) => c.query<{ n: number }>(sql))).rows[0].n;

    before(async () => {
        cluster = await startLocalPg({ names: ["edge", "region"], walSegmentSizeMb: 1, settings: { wal_retrieve_retry_interval: "300ms" } });
        edge = await cluster.get("edge").createDatabase("edge_la");
        region = await cluster.get("region").createDatabase("backend_blue");
        created = (await applyMesh(meshArgs(), undefined, MESH)).created;
    });

    after(async () => {
        await destroyCreated(created).catch(() => undefined);
        await cluster?.destroy();
    });

    it("registers the edge's objects, and those of both its flows, as one ReplicationBundle", () => {
        const names = created.map((r) => r.name);
        assert.deepStrictEqual(names.filter((name) => name.includes("edge_la")), [`${MESH}-edge_la-replication`], names.join("\n"));
        // The regional node's own objects stay resources of their own.
        assert.ok(names.includes(`${MESH}-us_blue-tables`), names.join("\n"));
        assert.ok(names.includes(`${MESH}-us_blue-repl-role`), names.join("\n"));
    });

    it("rows flow both ways through the bundle's objects, filtered", async () => {
        // Another facility's order first: had the filter not held, it would arrive before LA's.
        await insertOrders(edge, OTHER, "x", 3);
        await insertOrders(edge, LA, "a", 40);
        const arrived = await waitInStep(edge, region, "orders", LA);
        assert.strictEqual(arrived.count, 40);
        assert.strictEqual((await tableDigest(region, "orders", OTHER)).count, 0);

        await withClient(region, (c) => c.query("INSERT INTO customers (tenant_id, customer_id, name, email) VALUES ('t1', 'c1', 'Alice', 'a@example.com'), ('t2', 'c2', 'Bob', 'b@example.com')"));
        await waitFor("tenant t1's customer on the edge", async () => (await count(edge, "SELECT count(*)::int AS n FROM customers WHERE tenant_id = 't1'")) === 1);
        assert.strictEqual(await count(edge, "SELECT count(*)::int AS n FROM customers WHERE tenant_id = 't2'"), 0);
    });

    it("destroy drops every subscription, publication and slot it made", async () => {
        const objects = async (conn: PgConnection) => [
            await count(conn, "SELECT count(*)::int AS n FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"),
            await count(conn, "SELECT count(*)::int AS n FROM pg_publication WHERE pubname LIKE 'mesh_%'"),
            await count(conn, "SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'mesh_%'"),
        ];
        // Each side publishes one flow and subscribes to the other's.
        for (const conn of [edge, region]) assert.deepStrictEqual(await objects(conn), [1, 1, 1]);
        await destroyCreated(created);
        created = [];
        for (const conn of [edge, region]) assert.deepStrictEqual(await objects(conn), [0, 0, 0]);
    });
});
