/**
 * The provider plugin's operations in-process (provider/pg-plugin.ts): what the resource classes
 * register, routing by type token, secrets unwrapped, 0.1.x state carried over without SQL, a
 * vanished database forgotten, and unknown types refused. The engine runs of the same code are
 * test/engine/lifecycle.test.ts (CRUD, drift, destroy), test/provider/migration.test.ts and
 * test/provider/import.test.ts.
 */
import * as assert from "assert";
import { LocalPgCluster, startLocalPg } from "../../tools/local-pg/cluster";
import { synthesize } from "../../tools/synth/mock-runtime";
import { PostgresDatabase } from "../../components/postgres/database";
import { CatalogTables } from "../../components/replication/catalog-tables";
import { ConnectRestriction } from "../../components/replication/connect-restriction";
import { PG_PROVIDERS } from "../../components/postgres/providers/dispatch";
import { LEGACY_DYNAMIC_TYPE, PG_RESOURCE_TYPES } from "../../components/postgres/providers/resource-types";
import { PgPluginProvider, typeOfUrn } from "../../provider/pg-plugin";
import { unwrapSecrets, wireSecret } from "../../provider/secret-wire";

const CONNECTION = { host: "10.0.0.5", port: 5432, database: "postgres", user: "postgres", password: "not-a-real-one", ssl: "disable" as const };
const urnOf = (type: string, name: string, parentType?: string) => `urn:pulumi:s::p::${parentType ? `${parentType}$` : ""}${type}::${name}`;
const DATABASE_URN = urnOf(PG_RESOURCE_TYPES.database, "db", "agogsaas:index:ReplicationMesh");

describe("the provider plugin's operations", function () {
    this.timeout(120_000);

    it("the resource classes register their kind's type token, aliased to the 0.1.x dynamic type, without provider code", async () => {
        const result = await synthesize({
            project: "p", stack: "s",
            program: () => {
                new PostgresDatabase("db", { connection: CONNECTION, databaseName: "app" });
                new CatalogTables("tables", { connection: CONNECTION, tables: ["orders"] });
                new ConnectRestriction("connect", { connection: CONNECTION });
                return {};
            },
        });
        const pg = result.resources.filter((r) => r.custom);
        assert.deepStrictEqual(pg.map((r) => [r.name, r.type]).sort(), [
            ["connect", "agogsaas:replication:ConnectRestriction"], ["db", "agogsaas:postgres:Database"], ["tables", "agogsaas:replication:CatalogTables"],
        ]);
        for (const r of pg) {
            assert.ok(JSON.stringify(r.aliases).includes(LEGACY_DYNAMIC_TYPE), `${r.name} aliases ${LEGACY_DYNAMIC_TYPE}: ${JSON.stringify(r.aliases)}`);
            assert.deepStrictEqual(Object.keys(r.inputs).filter((k) => k.startsWith("__")), [], "no __provider, no __kind");
            assert.ok(r.secretPaths.includes("connection"), "the connection is secret");
        }
    });

    it("reads the type of a URN, a parent's type in it or not; every kind has a provider with diff and update", () => {
        assert.strictEqual(typeOfUrn(DATABASE_URN), "agogsaas:postgres:Database");
        assert.strictEqual(typeOfUrn(urnOf("agogsaas:replication:Bundle", "b")), "agogsaas:replication:Bundle");
        for (const [kind, provider] of Object.entries(PG_PROVIDERS)) {
            assert.deepStrictEqual(["diff", "update", "create", "delete"].filter((op) => typeof (provider as unknown as Record<string, unknown>)[op] !== "function"), [], `${kind}: create, diff, update, delete`);
        }
    });

    it("unwraps secrets at any depth", () => {
        assert.deepStrictEqual(unwrapSecrets({ a: wireSecret({ b: [wireSecret("x"), 1] }), c: null }), { a: { b: ["x", 1] }, c: null });
    });

    describe("against real PostgreSQL", () => {
        let cluster: LocalPgCluster;
        const plugin = new PgPluginProvider("0.0.0-test");
        before(async () => { cluster = await startLocalPg({ names: ["plugin"] }); });
        after(async () => { await cluster?.destroy(); });
        const databases = async (name: string) => cluster.get("plugin").query("SELECT datname FROM pg_database WHERE datname = $1", [name]);

        it("creates, updates, reads and deletes a database with a secret connection; unwrapped for the provider", async () => {
            const admin = cluster.get("plugin").connection();
            const inputs = { connection: wireSecret(admin), databaseName: "plugged", dropOnDelete: true, owner: undefined };
            const checked = await plugin.check(DATABASE_URN, {}, inputs);
            const created = await plugin.create(DATABASE_URN, checked.inputs);
            assert.strictEqual(created.id, "plugged");
            assert.deepStrictEqual(await databases("plugged"), [{ datname: "plugged" }]);
            assert.deepStrictEqual((created.outs as { connection: unknown }).connection, admin, "outputs plain: the engine marks them secret again from the inputs");

            await cluster.get("plugin").query("CREATE ROLE plugged_owner");
            const changed = { ...inputs, owner: "plugged_owner" };
            assert.strictEqual((await plugin.diff("plugged", DATABASE_URN, created.outs, changed)).changes, true);
            const updated = await plugin.update("plugged", DATABASE_URN, created.outs, changed);
            const read = await plugin.read("plugged", DATABASE_URN, updated.outs);
            assert.strictEqual((read.props as { owner?: string }).owner, "plugged_owner");
            await plugin.delete("plugged", DATABASE_URN, read.props);
            assert.deepStrictEqual(await databases("plugged"), [], "dropped: dropOnDelete is true");
        });

        it("0.1.x state: __provider and __kind are the only change; the update stores the state without them and runs no SQL", async () => {
            const admin = cluster.get("plugin").connection();
            const inputs = { connection: admin, databaseName: "legacy", dropOnDelete: true };
            const created = await plugin.create(DATABASE_URN, inputs);
            const legacyState = { ...created.outs, __provider: "exports.handler = …", __kind: "database" };
            const diff = await plugin.diff("legacy", DATABASE_URN, legacyState, inputs);
            assert.deepStrictEqual([diff.changes, diff.replaces], [true, []], "an update, never a replace");
            // A server that cannot be reached: the update succeeds only if it does not connect.
            const unreachable = { ...admin, port: 1 };
            const legacyUnreachable = { ...legacyState, connection: unreachable };
            const updated = await plugin.update("legacy", DATABASE_URN, legacyUnreachable, { ...inputs, connection: unreachable });
            assert.deepStrictEqual(updated.outs, { ...created.outs, connection: unreachable }, "the old state, without __provider and __kind");
            assert.strictEqual((await plugin.diff("legacy", DATABASE_URN, updated.outs, { ...inputs, connection: unreachable })).changes, false, "then nothing to change");
            // A real change on 0.1.x state still reaches the server.
            await assert.rejects(plugin.update("legacy", DATABASE_URN, legacyUnreachable, { ...inputs, connection: unreachable, owner: "someone_else" }), /ECONNREFUSED|connect/);
            await plugin.delete("legacy", DATABASE_URN, created.outs);
        });

        it("refresh forgets an object whose database is gone (3D000)", async () => {
            const admin = cluster.get("plugin").connection();
            const tablesUrn = urnOf(PG_RESOURCE_TYPES.tables, "tables");
            const read = await plugin.read("t", tablesUrn, { connection: { ...admin, database: "no_such_database" }, tables: ["orders"] });
            assert.deepStrictEqual(read, { id: "", props: {} });
        });

        it("refuses a type it does not serve, naming the ones it does, before any SQL", async () => {
            const admin = cluster.get("plugin").connection();
            await assert.rejects(plugin.create(urnOf("agogsaas:postgres:Nope", "x"), { connection: admin, databaseName: "nope" }),
                /unknown resource type "agogsaas:postgres:Nope": this provider serves agogsaas:postgres:Database, agogsaas:postgres:MonitoringRole, /);
            assert.deepStrictEqual(await databases("nope"), []);
        });
    });
});
