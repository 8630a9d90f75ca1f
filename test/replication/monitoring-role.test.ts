/**
 * The monitoring role provider against real PostgreSQL 16 (tools/local-pg): create, adopt an
 * existing role with too many rights, drift, delete; and that the login can run every exporter
 * query of the mesh (slots, walsenders, subscriptions) but cannot read table data.
 */
import * as assert from "assert";
import { LocalPgCluster, startLocalPg } from "../../tools/local-pg/cluster";
import { PgConnection, withClient } from "../../components/postgres/connection";
import { monitoringRoleProvider, readMonitoringRole, MonitoringRoleInputs } from "../../components/postgres/providers/monitoring-role";
import { ensureCatalogTables } from "../../components/replication/providers/catalog-tables";
import { exporterQueries } from "../../components/replication/alerts";
import { ValidationError } from "../../components/shared/errors";

const PASSWORD = "monitor-Secret-123";
const ROLE = "agogsaas_monitor";

describe("monitoring role on real PostgreSQL", function () {
    this.timeout(120_000);
    let cluster: LocalPgCluster;
    let app: PgConnection;
    let other: PgConnection;
    const inputs = (): MonitoringRoleInputs => ({ connection: app, roleName: ROLE, password: PASSWORD, databases: ["app"] });
    const asMonitor = (conn: PgConnection): PgConnection => ({ ...conn, user: ROLE, password: PASSWORD });

    before(async () => {
        cluster = await startLocalPg({ names: ["region"] });
        app = await cluster.get("region").createDatabase("app");
        other = await cluster.get("region").createDatabase("other");
        await ensureCatalogTables(app, ["customers"]);
        await withClient(app, async (c) => {
            // As the mesh leaves its databases: CONNECT only for roles granted it explicitly.
            await c.query("REVOKE CONNECT ON DATABASE app FROM PUBLIC");
            await c.query("REVOKE CONNECT ON DATABASE other FROM PUBLIC");
            // A mesh slot and a (disabled, unconnected) mesh subscription for the exporter queries to report.
            await c.query("SELECT pg_create_logical_replication_slot('mesh_edge_la_to_us_east_blue', 'pgoutput')");
            await c.query("CREATE PUBLICATION mesh_test_pub FOR TABLE customers");
            await c.query("CREATE SUBSCRIPTION mesh_peer_to_us_east_blue CONNECTION 'host=127.0.0.1 dbname=nowhere' PUBLICATION mesh_test_pub WITH (connect = false)");
        });
    });

    after(async () => {
        await cluster?.destroy();
    });

    it("create: a login in pg_monitor only, with CONNECT on the scraped databases", async () => {
        const { id, outs } = await monitoringRoleProvider.create!(inputs());
        assert.strictEqual(id, ROLE);
        assert.deepStrictEqual(await readMonitoringRole(app, ROLE), { attributes: ["inherit", "login"], memberOf: ["pg_monitor"], databases: ["app"] });
        const read = await monitoringRoleProvider.read!(id, outs);
        const diff = await monitoringRoleProvider.diff!(id, read.props, inputs());
        assert.strictEqual(diff.changes, false, "reads back without drift");
        await assert.rejects(withClient(asMonitor(other), (c) => c.query("SELECT 1")), /permission denied for database "other"/);
    });

    it("runs every exporter query of the mesh, and sees the slot and the subscription", async () => {
        const queries = exporterQueries() as Record<string, { query: string }>;
        const results = await withClient(asMonitor(app), async (c) => {
            const out: Record<string, Record<string, unknown>[]> = {};
            for (const [name, q] of Object.entries(queries)) out[name] = (await c.query(q.query)).rows;
            return out;
        });
        assert.deepStrictEqual(Object.keys(results).sort(), ["agogsaas_mesh_sender", "agogsaas_mesh_slot", "agogsaas_mesh_subscription"]);
        assert.deepStrictEqual(results.agogsaas_mesh_slot.map((r) => [r.slot_name, r.database, Number(r.active)]), [["mesh_edge_la_to_us_east_blue", "app", 0]]);
        assert.deepStrictEqual(results.agogsaas_mesh_subscription.map((r) => [r.subscription, Number(r.enabled)]), [["mesh_peer_to_us_east_blue", 0]]);
        assert.deepStrictEqual(results.agogsaas_mesh_sender, []);
        // The catalogs the alerts rest on, read directly.
        await withClient(asMonitor(app), async (c) => {
            await c.query("SELECT * FROM pg_stat_subscription");
            await c.query("SELECT slot_name, restart_lsn FROM pg_replication_slots");
        });
    });

    it("cannot read table data, nor a subscription's connection string, nor write", async () => {
        await withClient(asMonitor(app), async (c) => {
            await assert.rejects(c.query("SELECT * FROM customers"), /permission denied for table customers/);
            await assert.rejects(c.query("SELECT subconninfo FROM pg_subscription"), /permission denied/);
            await assert.rejects(c.query("CREATE TABLE evil (x int)"), /permission denied/);
        });
    });

    it("create adopts an existing role with too many rights and converges it", async () => {
        await withClient(app, async (c) => {
            await c.query(`ALTER ROLE ${ROLE} CREATEDB NOINHERIT`);
            await c.query(`GRANT pg_read_all_data TO ${ROLE}`);
            await c.query(`GRANT CONNECT ON DATABASE other TO ${ROLE}`);
        });
        const drifted = await monitoringRoleProvider.read!(ROLE, { ...inputs() });
        const diff = await monitoringRoleProvider.diff!(ROLE, drifted.props, inputs());
        assert.strictEqual(diff.changes, true, "drift is planned for repair");
        assert.deepStrictEqual(diff.replaces, []);
        await monitoringRoleProvider.create!(inputs());
        assert.deepStrictEqual(await readMonitoringRole(app, ROLE), { attributes: ["inherit", "login"], memberOf: ["pg_monitor"], databases: ["app"] });
        await withClient(asMonitor(app), async (c) => assert.rejects(c.query("SELECT * FROM customers"), /permission denied/));
    });

    it("refuses a role name that is not a plain identifier or is reserved, before touching the server", async () => {
        await assert.rejects(monitoringRoleProvider.create!({ ...inputs(), roleName: "x; DROP ROLE postgres" }),
            (err: Error) => err instanceof ValidationError && /roleName/.test(err.message) && /not a plain SQL identifier/.test(err.message));
        await assert.rejects(monitoringRoleProvider.create!({ ...inputs(), roleName: "pg_evil" }),
            (err: Error) => err instanceof ValidationError && /pg_ prefix/.test(err.message));
        const { rows } = await withClient(app, (c) => c.query("SELECT rolname FROM pg_roles WHERE rolname IN ('pg_evil', 'x; DROP ROLE postgres')"));
        assert.deepStrictEqual(rows, []);
    });

    it("delete drops the role and its CONNECT grants, and is idempotent", async () => {
        await monitoringRoleProvider.delete!(ROLE, { ...inputs() });
        assert.strictEqual(await readMonitoringRole(app, ROLE), undefined);
        const read = await monitoringRoleProvider.read!(ROLE, { ...inputs() });
        assert.strictEqual(read.id, "", "a refresh forgets it");
        await monitoringRoleProvider.delete!(ROLE, { ...inputs() });
        const acl = await withClient(app, async (c) => (await c.query("SELECT datacl::text AS acl FROM pg_database WHERE datname = 'app'")).rows[0].acl as string);
        assert.ok(!acl.includes(ROLE), acl);
    });
});
