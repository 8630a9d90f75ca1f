/**
 * Regional failover (tools/dr/regional-failover-drill.ts, ops/replication/failover.ts):
 * the sovereignty rule for failover targets, the command's refusals before anything starts, and
 * the drill on real PostgreSQL 16 (streaming standby promoted, the edge's flows re-based on it).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { SovereigntyError, ValidationError } from "../../components/shared/errors";
import { TABLE_NAMES, assertFailoverTarget, assertStandbyRegion, tablesOfClass } from "../../components/shared/sovereignty";
import { checkFailoverTarget, main, runRegionalFailoverDrill } from "../../tools/dr/regional-failover-drill";
import { main as failoverCommand } from "../../tools/dr/failover";

const ROOT = path.resolve(__dirname, "../..");

describe("regional failover: where a standby may take over (sovereignty)", () => {
    it("allows another region of the same zone, on both clouds", () => {
        assert.deepStrictEqual(assertFailoverTarget("to", "aws", "us-east-1", "us-west-2", TABLE_NAMES), { fromZone: "us", toZone: "us", target: "us-west-2", crossZone: false });
        assert.strictEqual(assertStandbyRegion("database.standbyRegion", "eu", "azure", "germanywestcentral", "West Europe"), "westeurope");
        assert.strictEqual(assertStandbyRegion("database.standbyRegion", "apac", "aws", "ap-southeast-1", "ap-northeast-1"), "ap-northeast-1");
    });

    it("refuses the server's own region", () => {
        assert.throws(() => assertFailoverTarget("to", "aws", "us-east-1", "us-east-1", TABLE_NAMES), (err: unknown) =>
            err instanceof ValidationError && /^to: is the server's own AWS region "us-east-1": a standby there does not survive a region outage\. Allowed: "us-east-2", "us-west-1" or "us-west-2"$/.test(err.message));
        assert.throws(() => assertStandbyRegion("s", "eu", "azure", "germanywestcentral", "Germany West Central"), /is the server's own Azure location "germanywestcentral"/);
    });

    it("refuses another zone for personal or operational tables, naming the data that would leave", () => {
        assert.throws(() => assertFailoverTarget("--to", "aws", "us-east-1", "eu-central-1", TABLE_NAMES), (err: unknown) =>
            err instanceof SovereigntyError && err.message.startsWith(
                '--to: a standby in eu-central-1 (zone eu) would hold zone us personal data ("orders", "production_logs", "quality_inspections", "customers"): only aggregate tables may leave zone us. ' +
                'Allowed: "us-east-2", "us-west-1" or "us-west-2", or a move of aggregate tables only ("inventory_snapshots" or "facility_status")'));
        // Not personal, still not aggregate: refused too, by class.
        assert.throws(() => assertFailoverTarget("--to", "aws", "eu-central-1", "ap-southeast-1", ["inventory_transactions", "facility_status"]), (err: unknown) =>
            err instanceof SovereigntyError && /would hold zone eu "inventory_transactions" \(operational\): only aggregate tables may leave zone eu/.test(err.message));
        assert.throws(() => assertStandbyRegion("database.standbyRegion", "eu", "azure", "germanywestcentral", "eastus"), SovereigntyError);
        assert.throws(() => assertFailoverTarget("--to", "aws", "us-east-1", "mars-1", TABLE_NAMES), /AWS region "mars-1" belongs to no sovereignty zone/);
        assert.throws(() => assertFailoverTarget("--to", "aws", "us-east-1", "eu-central-1", ["orderz"]), /unknown table\(s\) "orderz"/);
    });

    it("allows a move to another zone whose tables are all aggregates", () => {
        assert.deepStrictEqual(assertFailoverTarget("--to", "aws", "us-east-1", "eu-central-1", tablesOfClass("aggregate")), { fromZone: "us", toZone: "eu", target: "eu-central-1", crossZone: true });
    });
});

describe("regional failover command: refusals before anything starts", function () {
    this.timeout(120_000);
    const tempDirs = () => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith("agogsaas-failover-")).sort();

    it("refuses a target in another zone with the sovereignty message, exit code 2, nothing started", async () => {
        const before = tempDirs();
        const errors: string[] = [];
        const original = console.error;
        console.error = (line: string) => { errors.push(line); };
        try {
            assert.strictEqual(await main(["--to", "eu-central-1"]), 2);
            assert.strictEqual(await main(["--to", "us-east-1"]), 2);
            assert.strictEqual(await main(["--to", "eu-central-1", "--aggregates-only"]), 2, "allowed by the rule, not run by this drill: refused honestly");
            assert.strictEqual(await main(["--standby-lag-ms", "soon"]), 2);
        } finally {
            console.error = original;
        }
        assert.match(errors[0], /^SovereigntyError: --to: a standby in eu-central-1 \(zone eu\) would hold zone us personal data .*: only aggregate tables may leave zone us/);
        assert.match(errors[1], /^ValidationError: --to: is the server's own AWS region "us-east-1"/);
        assert.match(errors[2], /^ValidationError: --aggregates-only: a move of aggregate tables only to eu-central-1 \(zone eu\) is allowed, but/);
        assert.match(errors[3], /^ValidationError: --standby-lag-ms: must be an integer >= 0/);
        assert.deepStrictEqual(tempDirs(), before, "no server directory was created");
        assert.throws(() => checkFailoverTarget({ to: "us-east-2", aggregatesOnly: true }), /--aggregates-only: us-east-2 is in zone us like us-east-1/);
        await assert.rejects(runRegionalFailoverDrill({ to: "eu-central-1" }), SovereigntyError);
    });

    it("the operator command refuses a standby in another zone before connecting to anything", async () => {
        const errors: string[] = [];
        const original = console.error;
        console.error = (line: string) => { errors.push(line); };
        const unreachable = "postgres://agogadmin:x@127.0.0.1:1/app"; // port 1: a connection attempt would fail with exit 1
        try {
            assert.strictEqual(await failoverCommand(["--cloud", "azure", "--from", "germanywestcentral", "--to", "eastus", "--standby", unreachable, "--edge", unreachable, "--outbound", "mesh_a_to_b"]), 2);
            assert.strictEqual(await failoverCommand(["--cloud", "aws", "--from", "us-east-1", "--to", "us-west-2", "--standby", unreachable, "--edge", unreachable]), 2, "nothing to re-point");
        } finally {
            console.error = original;
        }
        assert.match(errors[0], /^dr:failover: SovereigntyError: --to: a standby in eastus \(zone us\) would hold zone eu personal data/);
        assert.match(errors[1], /--outbound or --inbound \(or both\) is required/);
    });

    it("the npm script exits 2 and prints the refusal", () => {
        const run = spawnSync("npm", ["run", "-s", "dr:regional-failover", "--", "--to", "eu-central-1"], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(run.status, 2, run.stderr);
        assert.match(run.stderr, /SovereigntyError: --to: a standby in eu-central-1 \(zone eu\) would hold zone us personal data/);
        assert.strictEqual(run.stdout.trim(), "", "nothing ran");
    });
});

describe("regional failover drill on real PostgreSQL (tools/dr)", function () {
    this.timeout(300_000);

    it("standby streaming: promoted, the edge's flows re-based; no edge order lost or doubled, region loss within streaming lag", async () => {
        const r = await runRegionalFailoverDrill({});
        assert.strictEqual(r.lostEdgeOrders, 0);
        assert.strictEqual(r.duplicateOrders, 0);
        assert.ok(r.edgeOrders > 300, "orders kept coming during the failover");
        // Asynchronous streaming: only commits of the last moment before the kill can be missing.
        assert.ok(r.rpoSeconds <= 1, `region-side commits older than 1 s were lost (RPO ${r.rpoSeconds} s, ${r.lostRegionCommits} commits)`);
        assert.ok(r.lostRegionCommits < r.regionCommits / 4, `${r.lostRegionCommits} of ${r.regionCommits} region commits lost`);
        assert.deepStrictEqual(r.finalOrders.edge, r.finalOrders.region);
        assert.deepStrictEqual(r.finalProducts.edge, r.finalProducts.region);
        assert.ok(r.rtoMs > 0 && r.rtoParts.promoteMs > 0);
    });

    it("standby cut off 500 ms before the loss: its region commits are the RPO; the orders it missed come from the edge, which resuming as-is would skip", async () => {
        const r = await runRegionalFailoverDrill({ standbyLagMs: 500, observePlainResume: true });
        assert.strictEqual(r.lostEdgeOrders, 0);
        assert.strictEqual(r.duplicateOrders, 0);
        assert.ok(r.lostRegionCommits > 0, "the cut-off standby lacks the last region-side commits");
        assert.ok(r.rpoSeconds <= 0.5 + 1, `RPO ${r.rpoSeconds} s exceeds the cut-off window`);
        assert.ok(r.ordersMissingOnStandby > 0, "the standby lacked orders the primary had received");
        // The experiment behind the re-base: the promoted standby's own subscription resumes at the
        // edge slot's confirmed position and never receives those orders.
        assert.strictEqual(r.skippedByPlainResume, r.ordersMissingOnStandby);
        assert.ok((r.orders!.reconciled.orders?.inserted ?? 0) >= r.ordersMissingOnStandby, "the re-base copied them from the edge");
        // Lost region commits that had already reached the edge are dropped there (the region owns master data).
        const dropped = r.products!.reconciled.products?.deleted ?? 0;
        assert.ok(dropped > 0 && dropped <= r.lostRegionCommits, `the edge dropped ${dropped} products; ${r.lostRegionCommits} region commits were lost`);
        assert.deepStrictEqual(r.finalOrders.edge, r.finalOrders.region);
        assert.deepStrictEqual(r.finalProducts.edge, r.finalProducts.region);
    });

    it("the operator command (npm run dr:failover) refuses a standby still in recovery, then promotes and re-points both flows", async () => {
        const r = await runRegionalFailoverDrill({ standbyLagMs: 300, operatorCommand: true });
        assert.strictEqual(r.commandInRecoveryExit, 1, "without --promote a standby in recovery is refused");
        assert.strictEqual(r.lostEdgeOrders, 0);
        assert.strictEqual(r.duplicateOrders, 0);
        assert.ok(r.ordersMissingOnStandby > 0, "the cut-off standby lacked orders, which the command brought over");
        assert.deepStrictEqual(r.finalOrders.edge, r.finalOrders.region);
        assert.deepStrictEqual(r.finalProducts.edge, r.finalProducts.region);
    });
});
