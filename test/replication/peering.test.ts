/**
 * Region <-> region peering on real PostgreSQL 16 (tools/local-pg), with the real ReplicationMesh
 * component applied through the demo's local engine (serialized providers, as `pulumi up` runs them):
 *
 * - the publisher's stack ("us") offers `mesh_peering_us_east` in its peering database, with a
 *   login of its own, and restricts CONNECT on the databases it manages;
 * - the subscriber's stack ("eu") subscribes its own colours, knowing only that login: it never
 *   holds the us server's admin password;
 * - the login cannot SELECT personal tables, cannot reach the colour databases (so it cannot stream
 *   their personal publications either: PostgreSQL has no privileges on publications), and the
 *   aggregates arrive filtered to the publisher's region.
 */
import * as assert from "assert";
import { LocalPgCluster, startLocalPg } from "../../tools/local-pg/cluster";
import { PgConnection, withClient } from "../../components/postgres/connection";
import { ensureCatalogTables } from "../../components/replication/providers/catalog-tables";
import { ReplicationMeshArgs } from "../../components/replication/replication-mesh";
import { applyMesh } from "../../tools/demo/apply-mesh";
import { CreatedResource, EngineError, destroyCreated } from "../../tools/demo/engine";
import { tablesOfClass } from "../../components/shared/sovereignty";
import { waitFor } from "./helpers";

const AGGREGATE = tablesOfClass("aggregate");
const PUBLICATION = "mesh_peering_us_east";
const READER = `${PUBLICATION}_reader`;
const READER_PASSWORD = "peering-Pa55-'x'";

describe("peering between regions on real PostgreSQL (each stack manages only its own server)", function () {
    this.timeout(180_000);
    // One cluster per region: each has its own admin password.
    let usCluster: LocalPgCluster;
    let euCluster: LocalPgCluster;
    let us: { blue: PgConnection; green: PgConnection; peering: PgConnection };
    let eu: { blue: PgConnection; green: PgConnection; extra: PgConnection };
    let peeringLogin: PgConnection;
    const created: CreatedResource[][] = [];

    /** The us stack's mesh: colours, its peering database fed from blue, the offered publication. */
    const publisherMesh = (): ReplicationMeshArgs => ({
        nodes: [
            // Passwords given: the local engine runs dynamic resources only (random ones would be mocks).
            { name: "us_blue", zone: "us", role: "regional", server: "us", connection: us.blue, replicationPassword: "blue-Repl-pw" },
            { name: "us_green", zone: "us", role: "regional", server: "us", connection: us.green },
            { name: "us_peering", zone: "us", role: "regional", server: "us", connection: us.peering },
        ],
        flows: [
            // A publication with personal data on the same server (as blue -> green is in the stacks).
            { from: "us_blue", to: "us_green", tables: ["customers", ...AGGREGATE] },
            { from: "us_blue", to: "us_peering", tables: AGGREGATE, rowFilter: { column: "region", equals: "us-east" } },
        ],
        publications: [{
            node: "us_peering", name: PUBLICATION, tables: AGGREGATE, rowFilter: { column: "region", equals: "us-east" },
            subscriberZones: ["eu"], subscribers: 2, password: READER_PASSWORD,
        }],
    });

    /** The eu stack's mesh: its colours subscribe to the us publication with the peering login only. */
    const subscriberMesh = (tables = AGGREGATE, to = ["eu_blue", "eu_green"]): ReplicationMeshArgs => ({
        nodes: [
            { name: "eu_blue", zone: "eu", role: "regional", server: "eu", connection: eu.blue },
            { name: "eu_green", zone: "eu", role: "regional", server: "eu", connection: eu.green },
            { name: "eu_extra", zone: "eu", role: "regional", server: "eu", connection: eu.extra },
            { name: "us_peering", zone: "us", role: "regional", external: true, connection: peeringLogin },
        ],
        flows: to.map((node) => ({ from: "us_peering", to: node, tables, rowFilter: { column: "region", equals: "us-east" }, publication: PUBLICATION })),
    });

    const snapshotRows = async (conn: PgConnection) =>
        (await withClient(conn, (c) => c.query<{ region: string; facility_id: string }>("SELECT region, facility_id FROM inventory_snapshots ORDER BY 1, 2"))).rows;

    before(async () => {
        const settings = { wal_retrieve_retry_interval: "300ms" };
        usCluster = await startLocalPg({ names: ["us"], walSegmentSizeMb: 1, settings });
        euCluster = await startLocalPg({ names: ["eu"], walSegmentSizeMb: 1, settings });
        us = {
            blue: await usCluster.get("us").createDatabase("backend_blue"),
            green: await usCluster.get("us").createDatabase("backend_green"),
            peering: await usCluster.get("us").createDatabase("agogsaas_peering"),
        };
        eu = {
            blue: await euCluster.get("eu").createDatabase("backend_blue"),
            green: await euCluster.get("eu").createDatabase("backend_green"),
            extra: await euCluster.get("eu").createDatabase("extra"),
        };
        assert.notStrictEqual(us.blue.password, eu.blue.password);
        peeringLogin = { ...us.peering, user: READER, password: READER_PASSWORD };
        // Rows present before the peering starts: the initial copy must bring only us-east's.
        await ensureCatalogTables(us.blue, ["customers", "orders", ...AGGREGATE]);
        await withClient(us.blue, async (c) => {
            await c.query("INSERT INTO customers (tenant_id, customer_id, name, email) VALUES ('t1', 'c1', 'Alice Example', 'alice@example.com')");
            await c.query("INSERT INTO inventory_snapshots (region, facility_id, product_id, on_hand, snapshot_at) VALUES " +
                "('us-east', 'facility-la-001', 'p1', 10, now()), ('eu-central', 'facility-fra-001', 'p1', 7, now())");
        });
        created.push((await applyMesh(publisherMesh(), undefined, "us")).created);
    });

    after(async () => {
        for (const run of created.reverse()) await destroyCreated(run).catch(() => undefined);
        await usCluster?.destroy();
        await euCluster?.destroy();
    });

    it("the peering login is least privilege: no SELECT on personal tables, no CONNECT to the colour databases", async () => {
        const role = (await withClient(us.peering, (c) => c.query(
            "SELECT rolcanlogin, rolreplication, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1", [READER]))).rows[0];
        assert.deepStrictEqual(role, { rolcanlogin: true, rolreplication: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false });
        // Even with personal tables in its own database, it may read the aggregates only.
        await ensureCatalogTables(us.peering, ["customers", "orders"]);
        for (const table of ["customers", "orders"]) {
            await assert.rejects(withClient(peeringLogin, (c) => c.query(`SELECT * FROM public.${table}`)), new RegExp(`permission denied for table ${table}`));
        }
        for (const table of AGGREGATE) await withClient(peeringLogin, (c) => c.query(`SELECT * FROM public.${table}`));
        // The colour databases (with their customers publication) refuse it outright, the admin not.
        for (const db of [us.blue, us.green]) {
            await assert.rejects(withClient({ ...peeringLogin, database: db.database }, (c) => c.query("SELECT 1")), new RegExp(`permission denied for database "${db.database}"`));
            await withClient(db, (c) => c.query("SELECT 1"));
        }
        await assert.rejects(withClient(peeringLogin, (c) => c.query("CREATE TABLE public.evil (x int)")), /permission denied/);
    });

    it("a subscription on a colour database's personal publication with the peering login is refused", async () => {
        await ensureCatalogTables(eu.extra, ["customers"]);
        const conninfo = `host=127.0.0.1 port=${us.blue.port} dbname=${us.blue.database} user=${READER} password='peering-Pa55-\\'x\\''`;
        await assert.rejects(withClient(eu.extra, (c) => c.query(
            `CREATE SUBSCRIPTION leak CONNECTION '${conninfo.replace(/'/g, "''")}' PUBLICATION mesh_us_blue_to_us_green WITH (copy_data = true)`)),
        /permission denied for database "backend_blue"/);
        assert.strictEqual((await withClient(eu.extra, (c) => c.query("SELECT count(*)::int AS n FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"))).rows[0].n, 0);
    });

    it("the subscriber's stack subscribes with the peering login only: aggregates arrive, filtered to the publisher's region", async () => {
        const run = await applyMesh(subscriberMesh(), undefined, "eu");
        created.push(run.created);
        // What the eu stack holds about the us server: the peering login, nothing else.
        const subs = run.created.filter((r) => r.name.endsWith("-sub"));
        assert.deepStrictEqual(subs.map((s) => s.name).sort(), ["eu-mesh_us_peering_to_eu_blue-sub", "eu-mesh_us_peering_to_eu_green-sub"]);
        for (const s of subs) {
            for (const key of ["publisher", "publisherAdmin"]) assert.strictEqual((s.outs[key] as PgConnection).user, READER, `${s.name} ${key}`);
        }
        assert.ok(!run.created.some((r) => JSON.stringify(r.outs).includes(us.blue.password)), "the us admin password never reaches the eu stack");
        assert.deepStrictEqual(run.created.filter((r) => !r.name.endsWith("-sub")).map((r) => r.name).sort(),
            ["eu-eu_blue-tables", "eu-eu_green-tables"], "nothing else created, none of it on the us server");

        for (const db of [eu.blue, eu.green]) {
            await waitFor("initial copy", async () => (await snapshotRows(db)).length === 1);
            assert.deepStrictEqual(await snapshotRows(db), [{ region: "us-east", facility_id: "facility-la-001" }]);
        }
        // Streaming: written in blue (us), relayed blue -> peering -> eu colours; other regions' rows stay home.
        await withClient(us.blue, (c) => c.query("INSERT INTO inventory_snapshots (region, facility_id, product_id, on_hand, snapshot_at) VALUES " +
            "('us-east', 'facility-dal-001', 'p2', 3, now()), ('apac', 'facility-sha-001', 'p2', 5, now())"));
        await withClient(us.blue, (c) => c.query("INSERT INTO facility_status (region, facility_id, online, orders_today, reported_at) VALUES ('us-east', 'facility-la-001', true, 12, now())"));
        for (const db of [eu.blue, eu.green]) {
            await waitFor("streamed rows", async () => (await snapshotRows(db)).length === 2);
            assert.deepStrictEqual(await snapshotRows(db), [{ region: "us-east", facility_id: "facility-dal-001" }, { region: "us-east", facility_id: "facility-la-001" }]);
            await waitFor("facility_status", async () => (await withClient(db, (c) => c.query("SELECT 1 FROM facility_status"))).rowCount === 1);
            const personal = await withClient(db, (c) => c.query<{ t: string | null }>("SELECT to_regclass('public.customers')::text AS t"));
            assert.strictEqual(personal.rows[0].t, null, "no personal table on the eu side");
        }
        // The slots on the us server were made with the peering login, one per eu colour.
        const slots = await withClient(us.peering, (c) => c.query<{ slot_name: string; database: string }>(
            "SELECT slot_name, database FROM pg_replication_slots WHERE slot_name LIKE 'mesh_us_peering_to_eu_%' ORDER BY 1"));
        assert.deepStrictEqual(slots.rows, [
            { slot_name: "mesh_us_peering_to_eu_blue", database: "agogsaas_peering" },
            { slot_name: "mesh_us_peering_to_eu_green", database: "agogsaas_peering" },
        ]);
    });

    it("refuses to subscribe when the offered publication carries a table the flow does not declare", async () => {
        await assert.rejects(applyMesh(subscriberMesh(["facility_status"], ["eu_extra"]), undefined, "eu-extra"), (err: unknown) => {
            assert.ok(err instanceof EngineError, String(err));
            assert.match(String((err.cause as Error)?.message ?? err.message), /carry table\(s\) "inventory_snapshots" not in the subscription's tables \(facility_status\): refusing to subscribe/);
            created.push(err.run.created);
            return true;
        });
        assert.strictEqual((await withClient(eu.extra, (c) => c.query("SELECT count(*)::int AS n FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"))).rows[0].n, 0);
        const slot = await withClient(us.peering, (c) => c.query("SELECT 1 FROM pg_replication_slots WHERE slot_name = 'mesh_us_peering_to_eu_extra'"));
        assert.strictEqual(slot.rowCount, 0, "no slot left behind on the us server");
    });

    it("the subscriber's stack deletes its subscriptions and their slots on the us server with the peering login", async () => {
        const run = created.find((c) => c.some((r) => r.name === "eu-mesh_us_peering_to_eu_blue-sub"))!;
        await destroyCreated(run);
        created.splice(created.indexOf(run), 1);
        await waitFor("slots dropped", async () => (await withClient(us.peering, (c) => c.query(
            "SELECT 1 FROM pg_replication_slots WHERE slot_name LIKE 'mesh_us_peering_to_eu_%'"))).rowCount === 0);
        // The publisher's own objects are untouched.
        const pub = await withClient(us.peering, (c) => c.query("SELECT 1 FROM pg_publication WHERE pubname = $1", [PUBLICATION]));
        assert.strictEqual(pub.rowCount, 1);
    });
});
