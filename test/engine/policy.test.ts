/**
 * Engine test 5 (the part that runs here): `pulumi preview --policy-pack policy` on the real
 * engine, the pack started through the language host's RunPlugin. The `local` stack passes every
 * mandatory policy with its own policy config (`npm run policy -- --print-config --stack local`);
 * planted violation: the same stack declared as a single-zone (us) stack, so its EU flows count as
 * crossing from us — blocked with the policy's message and a non-zero exit. The cloud stacks are
 * not previewed by the engine: their provider plugins cannot be built here (docs/engine.md).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertZone } from "../../components/sovereignty";
import { packArgs } from "../../policy/pack";
import { CHECKOUT } from "../../tools/engine/cli";
import { LocalStack } from "../../tools/engine/local-stack";
import { policyConfigForZone, stackOptions } from "../../tools/policy/stack-options";

describe("real engine: pulumi preview --policy-pack policy", function () {
    this.timeout(180_000);
    let dir: string;
    let stack: LocalStack;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-policy-engine-"));
        stack = new LocalStack({ stateDir: path.join(dir, "state"), password: "policy-preview-only" });
        await stack.init();
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const previewWith = async (config: object) => {
        const file = path.join(dir, `policy-config-${Date.now()}.json`);
        fs.writeFileSync(file, JSON.stringify(config));
        const run = await stack.run(["preview"], ["--non-interactive", "--policy-pack", path.join(CHECKOUT, "policy"), "--policy-pack-config", file]);
        return { ...run, output: `${run.stdout}\n${run.stderr}` };
    };

    it("5a. the local stack passes every mandatory policy", async () => {
        const options = stackOptions("local", CHECKOUT)!;
        assert.strictEqual(options.multiZone, true);
        const run = await previewWith(policyConfigForZone(assertZone("zone", options.zone!), packArgs.policies, true));
        assert.strictEqual(run.code, 0, run.output.slice(-3000));
        assert.match(run.output, /✅ agogsaas-sovereignty@v0\.1\.0/);
        assert.match(run.output, /\+ 33 to create/);
    });

    it("5b. planted violation: declared a zone-us stack, its EU replication is blocked with the policy's message", async () => {
        const run = await previewWith(policyConfigForZone("us", packArgs.policies));
        assert.notStrictEqual(run.code, 0);
        assert.match(run.output, /❌ agogsaas-sovereignty@v0\.1\.0/);
        assert.match(run.output, /\[mandatory\]\s+replication-cross-zone-aggregates-only\s+\(pulumi-nodejs:dynamic:Resource: local-mesh_edge_fra_to_eu_central-sub\)/);
        assert.match(run.output, /"customers" \(master, personal\).*between zones us and eu: only aggregate, non-personal tables cross zones/);
        // The us-only flows are not reported.
        assert.doesNotMatch(run.output, /local-mesh_edge_la_to_us_east_blue-sub\)/);
    });
});
