/**
 * `pulumi import` of a publication and a subscription made by hand, through the provider plugin on
 * the real engine: the imported state keeps the connections secret, the program that then declares
 * the same objects has nothing to change, replication goes on, and `pulumi destroy` drops them
 * (the slot too). Bad import ids and a missing password fail naming what to give.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { LocalPgCluster, startLocalPg } from "../../tools/local-pg/cluster";
import { CHECKOUT } from "../../tools/engine/cli";
import { LocalStack } from "../../tools/engine/local-stack";
import { waitUntil } from "../../tools/demo/wait";
import { summaryOf } from "../support/local-engine";

const PROJECT = { dir: path.join(CHECKOUT, "test", "provider", "import-program"), name: "agogsaas-import-test" };
const PUBLICATION = "agogsaas:replication:Publication";
const SUBSCRIPTION = "agogsaas:replication:Subscription";

describe("real engine: pulumi import of a publication and a subscription", function () {
    this.timeout(300_000);
    let pg: LocalPgCluster;
    let dir: string;
    let stack: LocalStack;
    let password: string;
    let port: number;
    const query = (database: string, sql: string) => pg.instances[0].query(sql, [], database);
    const ordersAtSubscriber = async () => Number((await query("subdb", "SELECT count(*)::int AS n FROM orders"))[0].n);

    before(async () => {
        password = `import-${Math.random().toString(36).slice(2)}`;
        pg = await startLocalPg({ names: ["importsrv"], password });
        port = pg.instances[0].port;
        for (const db of ["pubdb", "subdb"]) {
            await query("postgres", `CREATE DATABASE ${db}`);
            await query(db, "CREATE TABLE orders (id int PRIMARY KEY, facility_id text NOT NULL)");
        }
        await query("pubdb", "INSERT INTO orders SELECT g, 'facility-1' FROM generate_series(1, 3) g");
        await query("pubdb", "CREATE PUBLICATION orders_pub FOR TABLE orders");
        await query("pubdb", "SELECT pg_create_logical_replication_slot('orders_sub', 'pgoutput')");
        await query("subdb", `CREATE SUBSCRIPTION orders_sub CONNECTION 'host=127.0.0.1 port=${port} dbname=pubdb user=postgres password=${password} sslmode=disable' ` +
            "PUBLICATION orders_pub WITH (create_slot = false, slot_name = 'orders_sub', streaming = parallel, binary = true)");
        assert.ok((await waitUntil(ordersAtSubscriber, (n) => n === 3, { timeoutMs: 20_000 })).ok, "the hand-made subscription copied the rows");

        dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-import-"));
        const configFile = path.join(dir, "Pulumi.import.yaml");
        fs.writeFileSync(configFile, YAML.stringify({ config: { "importtest:port": String(port) } }));
        stack = new LocalStack({ stateDir: path.join(dir, "state"), password, configFile, stack: "import", project: PROJECT });
        await stack.init();
    });
    after(async () => {
        if (stack && (await stack.urns().catch(() => [])).length > 0) await stack.destroy().catch(() => undefined);
        await pg?.destroy();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const importArgs = (type: string, name: string, id: string) => [type, name, id, "--yes", "--protect=false", "--generate-code=false", "--non-interactive"];

    it("refuses an id without a location, and a missing PGPASSWORD, naming what to give; imports nothing", async () => {
        const badId = await stack.run(["import"], importArgs(PUBLICATION, "orders-pub", "orders_pub"), { env: { PGPASSWORD: password } });
        assert.notStrictEqual(badId.code, 0);
        assert.match(badId.stdout + badId.stderr, /expected <name>@<host>:<port>\/<database>/);
        const noPassword = await stack.run(["import"], importArgs(PUBLICATION, "orders-pub", `orders_pub@127.0.0.1:${port}/pubdb`), { env: { PGPASSWORD: "" } });
        assert.notStrictEqual(noPassword.code, 0);
        assert.match(noPassword.stdout + noPassword.stderr, /set PGPASSWORD/);
        const missing = await stack.run(["import"], importArgs(PUBLICATION, "orders-pub", `no_such_pub@127.0.0.1:${port}/pubdb`), { env: { PGPASSWORD: password } });
        assert.notStrictEqual(missing.code, 0);
        assert.match(missing.stdout + missing.stderr, /no publication no_such_pub in database pubdb/);
        assert.deepStrictEqual(await stack.urns(), []);
    });

    it("imports both with their connections secret; the program declaring them then has no change", async () => {
        const env = { PGPASSWORD: password };
        await stack.runOk(["import"], importArgs(PUBLICATION, "orders-pub", `orders_pub@127.0.0.1:${port}/pubdb`), { env });
        await stack.runOk(["import"], importArgs(SUBSCRIPTION, "orders-sub", `orders_sub@127.0.0.1:${port}/subdb`), { env });

        const resources = (await stack.exportState()).deployment.resources ?? [];
        const publication = resources.find((r) => r.type === PUBLICATION);
        const subscription = resources.find((r) => r.type === SUBSCRIPTION);
        assert.strictEqual(publication?.id, "orders_pub");
        assert.deepStrictEqual(publication?.outputs?.tables, ["orders"]);
        assert.strictEqual(subscription?.id, "orders_sub");
        assert.deepStrictEqual([subscription?.outputs?.publications, subscription?.outputs?.slotName], [["orders_pub"], "orders_sub"]);
        assert.ok(!fs.readFileSync(stack.stateFile(), "utf8").includes(password), "no password in the state file in clear");

        const preview = await stack.run(["preview"], ["--expect-no-changes", "--non-interactive", "--diff"]);
        assert.strictEqual(preview.code, 0, preview.stdout.slice(-3000) + preview.stderr);
        const up = await stack.up();
        assert.deepStrictEqual(summaryOf(up.stdout), { unchanged: 3 }, up.stdout.slice(-2000)); // the two and the stack
        await query("pubdb", "INSERT INTO orders VALUES (4, 'facility-1')");
        assert.ok((await waitUntil(ordersAtSubscriber, (n) => n === 4, { timeoutMs: 20_000 })).ok, "replication goes on");
    });

    it("pulumi refresh finds nothing to change; pulumi destroy drops the subscription, its slot and the publication", async () => {
        const refresh = await stack.refresh(["--expect-no-changes"]);
        assert.match(refresh.stdout, /unchanged/);
        await stack.destroy();
        assert.deepStrictEqual(await query("subdb", "SELECT subname FROM pg_subscription"), []);
        assert.deepStrictEqual(await query("pubdb", "SELECT slot_name FROM pg_replication_slots"), []);
        assert.deepStrictEqual(await query("pubdb", "SELECT pubname FROM pg_publication"), []);
    });
});
