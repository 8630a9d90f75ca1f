/**
 * The fleet rollout planner and scheduler (tools/fleet): waves, tenant interleaving, skipping of
 * offline and inline facilities, derived edge-stack config accepted by the real program, bounded
 * concurrency and the failure budget. The Automation API part (rollout.ts) needs the Pulumi CLI and
 * is not exercised here.
 */
import * as assert from "assert";
import * as path from "path";
import { loadStackConfigFiles } from "../tools/synth/stack-config";
import { parseStackConfig } from "../stacks/config";
import { fleetConfig } from "../bench/synth/fleet-config";
import { EdgeStackTask, FleetPlan, edgeStackConfig, interleaveByTenant, planFleet, waveSizes } from "../tools/fleet/plan";
import { runPool, runRollout } from "../tools/fleet/schedule";
import { configJson } from "../tools/fleet/rollout";

const ROOT = path.join(__dirname, "..");
const base = loadStackConfigFiles("us-east", ROOT).config;
/** us-east with `n` generated facilities, each deployed as its own edge stack. */
const fleet = (n: number) => fleetConfig(base, { facilities: n, mode: "regional" });

describe("fleet planner (tools/fleet/plan.ts)", () => {
    it("sizes waves: canary, then growing, capped, covering every task exactly once", () => {
        assert.deepStrictEqual(waveSizes(0, 3, 4, 200), []);
        assert.deepStrictEqual(waveSizes(2, 3, 4, 200), [2]);
        assert.deepStrictEqual(waveSizes(1000, 3, 4, 200), [3, 12, 48, 192, 200, 200, 200, 145]);
        assert.deepStrictEqual(waveSizes(10, 1, 1, 5), [1, 2, 3, 4]);
        assert.throws(() => waveSizes(10, 0, 2, 5), /canary must be a positive integer/);
        assert.throws(() => waveSizes(10, 1, 0.5, 5), /growth must be >= 1/);
    });

    it("interleaves tenants so the first waves touch as many tenants as they can", () => {
        const facilities = [
            { id: "facility-a-002", tenant: "t1" }, { id: "facility-a-001", tenant: "t1" }, { id: "facility-a-003", tenant: "t1" },
            { id: "facility-b-001", tenant: "t2" }, { id: "facility-c-001", tenant: "t3" },
        ];
        assert.deepStrictEqual(interleaveByTenant(facilities).map((f) => f.id), [
            "facility-a-001", "facility-b-001", "facility-c-001", "facility-a-002", "facility-a-003",
        ]);
    });

    it("plans 1,000 edge stacks in waves, skipping offline facilities, regional stack last", () => {
        const plan = planFleet(fleet(1000), "us-east");
        const planned = plan.waves.flat();
        // Every 50th generated facility is offline.
        assert.strictEqual(plan.skipped.length, 20);
        assert.ok(plan.skipped.every((s) => s.reason === "offline"));
        assert.strictEqual(planned.length, 980);
        assert.strictEqual(new Set(planned.map((t) => t.stack)).size, 980);
        assert.deepStrictEqual(plan.waves.map((w) => w.length), [3, 12, 48, 192, 200, 200, 200, 125]);
        assert.strictEqual(plan.regional, "last");
        // The canary wave spans three tenants.
        assert.strictEqual(new Set(plan.waves[0].map((t) => t.tenant)).size, 3);
        assert.strictEqual(planned[0].stack, "edge-la-001");
    });

    it("derives an edge stack config the real program accepts: tier edge, one facility, its tenant only", () => {
        const raw = fleet(30);
        const config = edgeStackConfig(raw, "facility-dal-002");
        const parsed = parseStackConfig(config, "edge-dal-002");
        assert.strictEqual(parsed.tier, "edge");
        assert.deepStrictEqual(parsed.facilities.map((f) => f.id), ["facility-dal-002"]);
        assert.deepStrictEqual(parsed.tenants.map((t) => t.id), [parsed.facilities[0].tenant]);
        assert.strictEqual(parsed.peers.length, 0);
        assert.strictEqual(config["aws:region"], undefined);
        assert.strictEqual(config["agogsaas:nodeCount"], undefined);
        assert.strictEqual(parsed.publicHostname, parseStackConfig(raw, "us-east").publicHostname);
        assert.throws(() => edgeStackConfig(raw, "facility-zz-001"), /no facility "facility-zz-001"/);
    });

    it("skips facilities the regional stack deploys inline and honours --only and includeOffline", () => {
        const raw = fleet(10);
        const facilities = JSON.parse(raw["agogsaas:facilities"]) as Record<string, unknown>[];
        facilities[0].edgeDeployment = "inline";
        facilities[1].offline = true;
        raw["agogsaas:facilities"] = JSON.stringify(facilities);
        const plan = planFleet(raw, "us-east", { only: ["facility-la-001", "facility-dal-001", "facility-chi-001"] });
        assert.deepStrictEqual(plan.waves.flat().map((t) => t.facilityId), ["facility-chi-001"]);
        const reasons = Object.fromEntries(plan.skipped.map((s) => [s.facilityId, s.reason]));
        assert.strictEqual(reasons["facility-la-001"], "inline");
        assert.strictEqual(reasons["facility-dal-001"], "offline");
        assert.strictEqual(reasons["facility-nyc-001"], "not selected");
        const withOffline = planFleet(raw, "us-east", { includeOffline: true });
        assert.ok(withOffline.waves.flat().some((t) => t.facilityId === "facility-dal-001"));
        assert.throws(() => planFleet(raw, "us-east", { only: ["facility-xx-001"] }), /unknown facility id\(s\): facility-xx-001/);
    });

    it("refuses to plan from an edge stack or from config the program refuses", () => {
        const edge = edgeStackConfig(fleet(3), "facility-la-001");
        assert.throws(() => planFleet(edge, "edge-la-001"), /agogsaas:tier: stack "edge-la-001" has tier "edge"; plan from its regional stack/);
        const bad = { ...fleet(3), "agogsaas:zone": "mars" };
        assert.throws(() => planFleet(bad, "us-east"), /agogsaas:zone: unknown sovereignty zone "mars"/);
    });

    it("encodes config for `pulumi config set-all --json`, structured values also as objectValue", () => {
        const parsed = JSON.parse(configJson({ "agogsaas:zone": "us", "agogsaas:tenants": '[{"id":"t"}]', "agogsaas:nodeCount": "3" }));
        assert.deepStrictEqual(parsed["agogsaas:zone"], { value: "us", secret: false });
        assert.deepStrictEqual(parsed["agogsaas:tenants"], { value: '[{"id":"t"}]', secret: false, objectValue: [{ id: "t" }] });
        assert.deepStrictEqual(parsed["agogsaas:nodeCount"], { value: "3", secret: false });
    });
});

describe("fleet scheduler (tools/fleet/schedule.ts)", () => {
    it("runs at most `concurrency` tasks at once and keeps results in input order", async () => {
        let running = 0;
        let peak = 0;
        const results = await runPool([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
            running++;
            peak = Math.max(peak, running);
            for (let i = 0; i < n; i++) await Promise.resolve();
            running--;
            return n * 10;
        });
        assert.deepStrictEqual(results, [50, 10, 40, 20, 30, 0, 60]);
        assert.strictEqual(peak, 3);
        await assert.rejects(runPool([1], 0, async () => 1), /concurrency must be a positive integer/);
    });

    const task = (stack: string): EdgeStackTask => ({ facilityId: stack, tenant: "t", stack, config: {} });
    const plan = (regional: FleetPlan["regional"]): FleetPlan => ({
        regionalStack: "us-east", regional, skipped: [],
        waves: [[task("e1")], [task("e2"), task("e3"), task("e4")], [task("e5")]],
    });

    it("updates edge waves in order, then the regional stack", async () => {
        const order: string[] = [];
        const report = await runRollout(plan("last"), {
            regional: async (s) => { order.push(s); },
            edge: async (t) => { order.push(t.stack); },
        }, { concurrency: 2 });
        assert.deepStrictEqual(order, ["e1", "e2", "e3", "e4", "e5", "us-east"]);
        assert.ok(report.outcomes.every((o) => o.ok));
        assert.strictEqual(report.stoppedAtWave, undefined);
    });

    it("stops after a wave over the failure budget and does not update the regional stack", async () => {
        const order: string[] = [];
        const report = await runRollout(plan("last"), {
            regional: async (s) => { order.push(s); },
            edge: async (t) => {
                order.push(t.stack);
                if (t.stack === "e3") throw new Error("ssh: connect to host edge-e3: timed out");
            },
        }, { maxFailureRate: 0.3 });
        assert.deepStrictEqual(order, ["e1", "e2", "e3", "e4"]);
        assert.strictEqual(report.stoppedAtWave, 1);
        assert.deepStrictEqual(report.notStarted, ["e5", "us-east"]);
        assert.deepStrictEqual(report.outcomes.filter((o) => !o.ok), [{ stack: "e3", facilityId: "e3", ok: false, error: "ssh: connect to host edge-e3: timed out" }]);
    });

    it("tolerates failures within the budget, and stops everything when a 'first' regional update fails", async () => {
        const tolerant = await runRollout(plan("skip"), {
            regional: async () => assert.fail("regional update not planned"),
            edge: async (t) => { if (t.stack === "e3") throw new Error("boom"); },
        }, { maxFailureRate: 0.5 });
        assert.strictEqual(tolerant.stoppedAtWave, undefined);
        assert.strictEqual(tolerant.outcomes.length, 5);

        const edges: string[] = [];
        const first = await runRollout(plan("first"), {
            regional: async () => { throw new Error("regional failed"); },
            edge: async (t) => { edges.push(t.stack); },
        });
        assert.deepStrictEqual(edges, []);
        assert.strictEqual(first.stoppedAtWave, -1);
        assert.strictEqual(first.notStarted.length, 5);
    });
});
