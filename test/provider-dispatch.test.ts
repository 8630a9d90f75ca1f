/**
 * One dynamic provider for every PostgreSQL resource (components/postgres/pg-resource.ts,
 * components/postgres/providers/dispatch.ts): every kind registers the same serialised code, and that code, loaded the
 * way the Pulumi CLI's provider host loads it, sends each operation to the right provider against
 * real PostgreSQL, hides `__kind` from it, keeps `__kind` in what is stored, and handles state
 * written by the earlier per-kind providers.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { LocalPgCluster, startLocalPg } from "../tools/local-pg/cluster";
import { synthesize } from "../tools/synth/mock-runtime";
import { loadSerializedProvider } from "../tools/demo/engine";
import { PostgresDatabase } from "../components/postgres/database";
import { postgresDatabaseProvider } from "../components/postgres/providers/database";
import { CatalogTables } from "../components/replication/catalog-tables";
import { ConnectRestriction } from "../components/replication/connect-restriction";
import { KIND_KEY } from "../components/postgres/providers/dispatch";

const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
const CONNECTION = { host: "10.0.0.5", port: 5432, database: "postgres", user: "postgres", password: "not-a-real-one", ssl: "disable" as const };

describe("one dynamic provider for every PostgreSQL resource", function () {
    this.timeout(120_000);
    let serialised: string;
    let kinds: Record<string, unknown>;

    before(async () => {
        const result = await synthesize({
            project: "p", stack: "s",
            program: () => {
                new PostgresDatabase("db", { connection: CONNECTION, databaseName: "app" });
                new CatalogTables("tables", { connection: CONNECTION, tables: ["orders"] });
                new ConnectRestriction("connect", { connection: CONNECTION });
                return {};
            },
        });
        const dynamic = result.resources.filter((r) => r.type === DYNAMIC);
        assert.strictEqual(dynamic.length, 3);
        const texts = new Set(dynamic.map((r) => r.inputs.__provider));
        assert.strictEqual(texts.size, 1, "all three kinds carry the same serialised provider");
        serialised = [...texts][0] as string;
        kinds = Object.fromEntries(dynamic.map((r) => [r.name, r.inputs[KIND_KEY]]));
    });

    it("registers each resource with its kind, under the same type token and names as before", () => {
        assert.deepStrictEqual(kinds, { db: "database", tables: "tables", connect: "connectRestriction" });
        assert.ok(serialised.includes("exports.handler"));
    });

    it("exposes each resource's declared outputs as Outputs (ES2022 class fields used to overwrite them with undefined)", async () => {
        await synthesize({
            project: "p", stack: "s",
            program: async () => {
                const db = new PostgresDatabase("db", { connection: CONNECTION, databaseName: "app" });
                const tables = new CatalogTables("tables", { connection: CONNECTION, tables: ["orders"] });
                const connect = new ConnectRestriction("connect", { connection: CONNECTION });
                for (const [what, output] of [["databaseName", db.databaseName], ["tables", tables.tables], ["publicConnect", connect.publicConnect]] as const) {
                    assert.ok(pulumi.Output.isInstance(output), `${what} is an Output`);
                }
                assert.strictEqual(await (db.databaseName as unknown as { promise(): Promise<string> }).promise(), "app");
                return {};
            },
        });
    });

    describe("the serialised dispatcher against real PostgreSQL", () => {
        let cluster: LocalPgCluster;
        let provider: pulumi.dynamic.ResourceProvider;

        before(async () => {
            cluster = await startLocalPg({ names: ["dispatch"] });
            provider = loadSerializedProvider(serialised);
        });
        after(async () => { await cluster?.destroy(); });

        it("creates, diffs, updates, reads and deletes a database through the database provider, which never sees __kind", async () => {
            const admin = cluster.get("dispatch").connection();
            const inputs = { connection: admin, databaseName: "dispatched", dropOnDelete: true, [KIND_KEY]: "database" };
            const checked = await provider.check!({}, inputs);
            assert.strictEqual(checked.inputs?.[KIND_KEY], "database", "the checked inputs keep the kind");
            const created = await provider.create(checked.inputs!);
            assert.strictEqual(created.id, "dispatched");
            assert.strictEqual(created.outs[KIND_KEY], "database", "stored outputs keep the kind for read and delete");
            assert.deepStrictEqual(await cluster.get("dispatch").query("SELECT datname FROM pg_database WHERE datname = 'dispatched'"), [{ datname: "dispatched" }]);

            // State the per-kind provider wrote before the dispatcher existed: no __kind in it.
            const { [KIND_KEY]: _kind, ...oldState } = created.outs;
            assert.deepStrictEqual(await provider.diff!("dispatched", oldState, inputs), await postgresDatabaseProvider.diff!("dispatched", oldState, { ...inputs, [KIND_KEY]: undefined }),
                "the same answer as the database provider alone");
            assert.strictEqual((await provider.diff!("dispatched", oldState, inputs)).changes, false, "the kind key alone is no change");

            await cluster.get("dispatch").query("CREATE ROLE dispatch_owner");
            const changed = { ...inputs, owner: "dispatch_owner" };
            assert.strictEqual((await provider.diff!("dispatched", created.outs, changed)).changes, true);
            const updated = await provider.update!("dispatched", oldState, changed);
            assert.strictEqual(updated.outs?.[KIND_KEY], "database");
            const read = await provider.read!("dispatched", updated.outs!);
            assert.strictEqual(read.props?.owner, "dispatch_owner");
            assert.strictEqual(read.props?.[KIND_KEY], "database");

            await provider.delete!("dispatched", read.props!);
            assert.deepStrictEqual(await cluster.get("dispatch").query("SELECT datname FROM pg_database WHERE datname = 'dispatched'"), [], "dropped: dropOnDelete is true");
        });

        it("refuses a missing or unknown kind, naming the key and the kinds it knows", async () => {
            const admin = cluster.get("dispatch").connection();
            await assert.rejects(provider.create({ connection: admin, databaseName: "nope" }),
                /__kind: unknown PostgreSQL resource kind undefined\. Allowed: database, monitoringRole, tables, role, publication, subscription, bundle, edgePriority, connectRestriction/);
            await assert.rejects(provider.create({ connection: admin, databaseName: "nope", [KIND_KEY]: "toString" }), /__kind: unknown PostgreSQL resource kind "toString"/);
            assert.deepStrictEqual(await cluster.get("dispatch").query("SELECT datname FROM pg_database WHERE datname = 'nope'"), [], "nothing was created");
        });
    });
});
