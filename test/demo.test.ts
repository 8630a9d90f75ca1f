/**
 * The local demo (`npm run demo`) end to end, and proof that its checks can fail.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { PgConnection, withClient } from "../components/postgres/connection";
import { ensureCatalogTables } from "../components/replication/providers/catalog-tables";
import { LocalPgCluster, startLocalPg } from "../tools/local-pg/cluster";
import { checkInStep } from "../tools/demo/in-step";
import { Narrator, renderCheck } from "../tools/demo/narrator";

function runDemo(): Promise<{ code: number | null; output: string }> {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-demo-state-"));
    return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--conditions=agogsaas-source", "-r", "ts-node/register/transpile-only", "tools/demo/main.ts"], {
            cwd: `${__dirname}/..`,
            env: { ...process.env, AGOGSAAS_STATE_DIR: stateDir },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout.on("data", (chunk) => (output += chunk));
        child.stderr.on("data", (chunk) => (output += chunk));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, output }));
    }).finally(() => fs.rmSync(stateDir, { recursive: true, force: true }));
}

describe("npm run demo (local edge-to-cloud demo)", function () {
    this.timeout(240_000);

    it("runs every step, each holds, exits 0 and removes its servers' data", async () => {
        const { code, output } = await runDemo();
        const context = `\n--- demo output ---\n${output}`;
        assert.strictEqual(code, 0, `exit code ${code}${context}`);
        for (let step = 1; step <= 5; step++) {
            assert.match(output, new RegExp(`✔ Step ${step} held`), `step ${step} did not hold${context}`);
        }
        assert.doesNotMatch(output, /✘/, `a check failed${context}`);
        // The key claims, as printed.
        assert.match(output, /✔ order LA-FIRST-0001 is in us_east_blue after/);
        assert.match(output, /✔ LA kept working during the outage: 500 orders/);
        assert.match(output, /✔ orders \(facility_id = facility-la-001\): us_east_blue has exactly edge_la's rows — in step after/);
        assert.match(output, /✔ green's invoice_number_seq \(\d+\) is ahead of blue's \(42\)/);
        assert.match(output, /✔ the snapshot crossed into us_east_blue after/);
        assert.match(output, /✔ us_east_blue has 0 rows of customer c-eu-4711 and 0 of their orders/);
        assert.match(output, /✔ pulumi up refused it \(exit [1-9]\d*\): SovereigntyError\n\s+flows\[7\]\.tables: "customers" \(master, personal\) may not flow from zone "eu" to zone "us"/);
        assert.match(output, /✔ the stack's state is unchanged: \d+ resources, the same URNs as before/);
        assert.match(output, /· no database, publication, subscription, slot or mesh role of the stack is left on any server/);
        assert.match(output, /\+ 33 created/, `the engine's own progress and summary are shown${context}`);
        assert.match(output, /5\/5 steps held/);
        // Same row counts and checksums on both sides, as printed.
        const digests = [...output.matchAll(/^\s+(edge_la|us_east_blue)\s+orders:\s+(\d+) rows, md5 ([0-9a-f]{32})$/gm)];
        assert.ok(digests.length >= 2, `no order digests printed${context}`);
        assert.strictEqual(new Set(digests.map((m) => `${m[2]}/${m[3]}`)).size, 1, `digests differ${context}`);
        // Cleanup: the data directories it names are gone.
        const removed = /removed (\/\S+), (\/\S+)/.exec(output);
        assert.ok(removed, `no cleanup line${context}`);
        for (const dir of [removed[1], removed[2]]) assert.strictEqual(fs.existsSync(dir), false, `${dir} still exists`);
    });
});

describe("demo checks can fail", function () {
    this.timeout(120_000);
    let cluster: LocalPgCluster;
    let source: PgConnection;
    let target: PgConnection;
    const facility = "facility-test-001";
    const slice = { column: "facility_id", value: facility };
    const ends = () => [{ node: "source", conn: source }, { node: "target", conn: target }] as const;

    before(async () => {
        cluster = await startLocalPg({ names: ["demo_check"] });
        const server = cluster.get("demo_check");
        source = await server.createDatabase("source_db");
        target = await server.createDatabase("target_db");
        // The same 20 orders on both sides, timestamps included (as replication would leave them).
        for (const conn of [source, target]) {
            await ensureCatalogTables(conn, ["orders"]);
            await withClient(conn, (client) => client.query(
                "INSERT INTO public.orders (facility_id, tenant_id, order_id, customer_id, product_id, quantity, status, created_at, updated_at) " +
                "SELECT $1, 'acme', 'T-' || lpad(g::text, 4, '0'), 'c-1001', 'p-' || (g % 5), g, 'new', " +
                "'2026-01-01T00:00:00Z'::timestamptz + g * interval '1 minute', '2026-01-01T00:00:00Z' FROM generate_series(1, 20) AS g", [facility]));
        }
    });
    after(async () => cluster?.destroy());

    it("reports ✔ when both sides hold the same rows (control)", async () => {
        const checks = await checkInStep(...ends(), ["orders"], slice);
        assert.strictEqual(checks.length, 1);
        assert.strictEqual(checks[0].ok, true, JSON.stringify(checks));
        assert.match(renderCheck(checks[0])[0], /^ {2}✔ orders \(facility_id = facility-test-001\): target has exactly source's rows$/);
    });

    it("reports ✘ and the missing row count when the target lost a row", async () => {
        await withClient(target, (client) => client.query("DELETE FROM public.orders WHERE order_id = 'T-0007'"));
        const [check] = await checkInStep(...ends(), ["orders"], slice);
        assert.strictEqual(check.ok, false);
        const lines = renderCheck(check);
        assert.match(lines[0], /^ {2}✘ orders/);
        assert.ok(lines.some((line) => /source\s+orders:\s+20 rows/.test(line)), lines.join("\n"));
        assert.ok(lines.some((line) => /target\s+orders:\s+19 rows/.test(line)), lines.join("\n"));
        assert.ok(lines.some((line) => line.includes("target differs by 1 row(s) (missing)")), lines.join("\n"));
    });

    it("reports ✘ when counts match but a value differs (checksum, not just count)", async () => {
        // Put back a row with the right key but a different quantity: same count as the source.
        await withClient(target, (client) => client.query(
            "INSERT INTO public.orders (facility_id, tenant_id, order_id, customer_id, product_id, quantity, status) VALUES ($1, 'acme', 'T-0007', 'c-1001', 'p-3', 99, 'new')", [facility]));
        const [check] = await checkInStep(...ends(), ["orders"], slice);
        assert.strictEqual(check.ok, false);
        assert.ok(renderCheck(check).some((line) => line.includes("same count but different contents")), renderCheck(check).join("\n"));
    });

    it("a step with a failing check (or an error) does not hold, and the summary says so", async () => {
        const lines: string[] = [];
        const narrator = new Narrator((line) => lines.push(line));
        const held = await narrator.step("diverged", async () => checkInStep(...ends(), ["orders"], slice));
        const raised = await narrator.step("raises", async () => {
            throw new Error("server gone");
        });
        const empty = await narrator.step("claims nothing", async () => []);
        assert.deepStrictEqual([held, raised, empty], [false, false, false]);
        assert.strictEqual(narrator.summary(), false);
        const text = lines.join("\n");
        assert.match(text, /✘ Step 1 DID NOT HOLD/);
        assert.match(text, /✘ step raised an error: server gone/);
        assert.match(text, /0\/3 steps held/);
    });
});
