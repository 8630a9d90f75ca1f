/**
 * `npm run synth` as users run it: a child process, its exit code, the JSON it writes and the
 * message it prints for bad config.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REDACTED, SynthResult } from "../tools/synth/mock-runtime";

const ROOT = path.join(__dirname, "..");

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const child = spawnSync(process.execPath, ["--conditions=agogsaas-source", "-r", "ts-node/register/transpile-only", "tools/synth/cli.ts", ...args], {
        cwd: ROOT, encoding: "utf8", timeout: 110_000,
    });
    return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe("synth CLI (child process)", () => {
    let dir: string;
    before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-synth-")); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("synthesizes eu-central: exit 0, the documented JSON shape, a summary on stdout", () => {
        const out = path.join(dir, "eu-central.json");
        const run = runCli(["--stack", "eu-central", "--out", out]);
        assert.strictEqual(run.status, 0, run.stderr);

        const result = JSON.parse(fs.readFileSync(out, "utf8")) as SynthResult;
        assert.deepStrictEqual(Object.keys(result).sort(), ["outputs", "project", "resources", "secretOutputs", "stack"]);
        assert.strictEqual(result.project, "agogsaas");
        assert.strictEqual(result.stack, "eu-central");
        assert.ok(result.resources.length > 50);
        for (const r of result.resources) {
            assert.strictEqual(typeof r.urn, "string");
            assert.strictEqual(typeof r.type, "string");
            assert.strictEqual(typeof r.name, "string");
            assert.strictEqual(typeof r.custom, "boolean");
            assert.strictEqual(typeof r.inputs, "object");
            assert.ok(Array.isArray(r.secretPaths) && Array.isArray(r.dependencies) && Array.isArray(r.aliases));
            assert.ok(r.parent === undefined || typeof r.parent === "string");
            assert.ok(r.provider === undefined || typeof r.provider === "string");
        }
        const server = result.resources.find((r) => r.type === "azure-native:dbforpostgresql:Server");
        assert.strictEqual(server?.inputs.location, "germanywestcentral");
        assert.strictEqual(server?.inputs.administratorLoginPassword, REDACTED);
        assert.strictEqual(result.outputs.kubeconfig, REDACTED);
        assert.ok(result.secretOutputs.includes("kubeconfig"));

        assert.match(run.stdout, /^Stack eu-central \(project agogsaas\): \d+ resources/m);
        assert.match(run.stdout, /By type:\n\s+\d+ {2}\S+/);
        // The table is sorted by count: its first row is the JSON's most common type, with that count.
        const counts = new Map<string, number>();
        for (const r of result.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
        assert.strictEqual(counts.get("azure-native:containerservice:ManagedCluster"), 1);
        const [topType, topCount] = [...counts].sort((a, b) => b[1] - a[1])[0];
        assert.match(run.stdout, new RegExp(`By type:\\n\\s+${topCount} {2}${topType.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\n`));
        assert.match(run.stdout, /By component[^\n]*\n(\s+\d+ {2}agogsaas:\S+ \S+\n)+/);
        assert.match(run.stdout, /\n {2}kubeconfig = \[secret\]\n/);
        assert.ok(!run.stdout.includes("mock-token") && !run.stdout.includes("mock-password"), "no secret printed");
    });

    it("writes the topology picture beside the JSON (eu-central.mmd): zones, facilities, the offline one's flows dotted", () => {
        // Written by the first test's run.
        const mmd = fs.readFileSync(path.join(dir, "eu-central.mmd"), "utf8");
        assert.match(mmd, /^---\ntitle: eu-central\n---\nflowchart TB\n/);
        for (const zone of ["zone_eu", "zone_us", "zone_apac"]) assert.ok(mmd.includes(`subgraph ${zone}[`), zone);
        assert.ok(mmd.includes("n_facility_fra_001[(") && mmd.includes("n_facility_waw_001[("));
        assert.match(mmd, /n_facility_waw_001 -\.->\|"orders, [^"]*\(disabled\)"\| n_eu_central_blue/);
        // A peer's aggregates cross into this stack's colours from the peer's peering database (subscribed here).
        assert.match(mmd, /n_us_east_peering ==>\|"inventory_snapshots, facility_status<br\/>where region = 'us-east'"\| n_eu_central_blue/);
        assert.ok(!mmd.includes("SOVEREIGNTY VIOLATION"));
    });

    it("exits 1 with the config key and what is allowed when the stack file is wrong, writing nothing", () => {
        const project = path.join(dir, "bad-project");
        fs.mkdirSync(project);
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
        const stackFile = fs.readFileSync(path.join(ROOT, "Pulumi.eu-central.yaml"), "utf8")
            .replace("agogsaas:region: germanywestcentral", "agogsaas:region: us-east-1");
        fs.writeFileSync(path.join(project, "Pulumi.eu-bad.yaml"), stackFile);
        const out = path.join(dir, "eu-bad.json");

        const run = runCli(["--stack", "eu-bad", "--dir", project, "--out", out]);
        assert.strictEqual(run.status, 1);
        assert.match(run.stderr, /^error: stack eu-bad: agogsaas:region: Azure location "us-east-1" is outside sovereignty zone "eu" \(European Union \/ EEA \(GDPR\)\)\. Allowed: "germanywestcentral", /m);
        assert.ok(!fs.existsSync(out), "no synth file for a refused stack");
    });

    it("exits 1 naming the file for a stack that does not exist", () => {
        const run = runCli(["--stack", "nowhere", "--out", path.join(dir, "nowhere.json")]);
        assert.strictEqual(run.status, 1);
        assert.match(run.stderr, /Pulumi\.nowhere\.yaml: no such file/);
    });

    it("exits 2 with usage on a bad command line", () => {
        const missing = runCli([]);
        assert.strictEqual(missing.status, 2);
        assert.match(missing.stderr, /--stack is required/);
        assert.match(missing.stderr, /stacks here: .*eu-central/);
        const unknown = runCli(["--stack", "us-east", "--frobnicate"]);
        assert.strictEqual(unknown.status, 2);
        assert.match(unknown.stderr, /frobnicate/);
    });
});
