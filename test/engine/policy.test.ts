/**
 * Engine test 5 (the part that runs here): `pulumi preview --policy-pack policy` on the real
 * engine, the pack started through the language host's RunPlugin. The `local` stack passes every
 * mandatory policy with its own policy config (`npm run policy -- --print-config --stack local`);
 * planted violation: the same stack declared as a single-zone (us) stack, so its EU flows count as
 * crossing from us — blocked with the policy's message and a non-zero exit. The cloud stacks: below.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { Zone, assertZone } from "../../components/shared/sovereignty";
import { packArgs } from "../../policy/pack";
import { CHECKOUT, ensureStack, pulumi } from "../../tools/engine/cli";
import { standInPath, writePreviewableVariant, writeStandInPlugins } from "../../tools/engine/stand-ins/index";
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
        assert.match(run.output, /\[mandatory\]\s+replication-cross-zone-aggregates-only\s+\(agogsaas:replication:Subscription: local-mesh_edge_fra_to_eu_central-sub\)/);
        assert.match(run.output, /"customers" \(master, personal\).*between zones us and eu: only aggregate, non-personal tables cross zones/);
        // The us-only flows are not reported.
        assert.doesNotMatch(run.output, /local-mesh_edge_la_to_us_east_blue-sub\)/);
    });
});

/**
 * Engine test 5, cloud half: the shipped cloud stacks previewed by the real engine with the
 * policy pack, their providers answered by the preview-only STAND-IN plugins (tools/engine/stand-ins:
 * the real aws, azure-native, kubernetes, docker and random plugins cannot be built here,
 * docs/engine.md). Peers and edge stacks cannot be deployed here, so each stack is previewed from
 * a variant of its file with its peers given in config and its edge stacks inline
 * (writePreviewableVariant). Then one fixture stack per planted violation
 * (test/fixtures/policy-violations) is blocked with the policy's message and a non-zero exit.
 */
describe("real engine with STAND-IN cloud plugins: pulumi preview --policy-pack policy", function () {
    this.timeout(600_000);
    let dir: string;
    let standIns: string;
    const invokeLog = () => path.join(dir, "invokes.jsonl");
    const FIXTURES = path.join(CHECKOUT, "test", "fixtures", "policy-violations");
    /** The projects' stack files, which the previews must leave as they are. */
    const stackFiles = () => Object.fromEntries([CHECKOUT, FIXTURES].flatMap((folder) => fs.readdirSync(folder)
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => [path.join(folder, f), fs.readFileSync(path.join(folder, f), "utf8")])));
    let shipped: Record<string, string>;
    before(() => {
        shipped = stackFiles();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-policy-cloud-"));
        standIns = writeStandInPlugins(path.join(dir, "stand-ins"));
    });
    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        assert.deepStrictEqual(stackFiles(), shipped, "a preview changed a stack file of the project");
    });

    /** Previews `stack` of the project in `cwd` from `configFile` (a copy: nothing is written into the checkout). */
    const preview = async (stack: string, zone: Zone, options: { configFile: string; cwd?: string }) => {
        const run = { stateDir: path.join(dir, "state"), passphrase: "preview-only", cwd: options.cwd, env: { PATH: standInPath(standIns), AGOGSAAS_STAND_IN_LOG: invokeLog() } };
        await ensureStack(stack, run, options.configFile);
        const config = path.join(dir, `policy-config-${zone}.json`);
        fs.writeFileSync(config, JSON.stringify(policyConfigForZone(zone, packArgs.policies)));
        const result = await pulumi(["preview", "--stack", stack, "--non-interactive", "--policy-pack", path.join(CHECKOUT, "policy"), "--policy-pack-config", config,
            "--config-file", options.configFile], run);
        return { ...result, output: `${result.stdout}\n${result.stderr}` };
    };
    const invokes = () => fs.existsSync(invokeLog()) ? fs.readFileSync(invokeLog(), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { token: string; inputs: Record<string, unknown> }) : [];

    const SHIPPED: [string, Zone, RegExp, string[]][] = [
        ["us-east", "us", /\+ 2\d\d to create/, ["aws:index/getAvailabilityZones:getAvailabilityZones", "aws:index/getPartition:getPartition"]],
        ["eu-central", "eu", /\+ 1[89]\d to create/, []],
        ["apac", "apac", /\+ \d+ to create/, ["aws:index/getAvailabilityZones:getAvailabilityZones", "aws:index/getPartition:getPartition"]],
        ["edge-hou-001", "us", /\+ \d+ to create/, []],
    ];
    for (const [stack, zone, created, expectedInvokes] of SHIPPED) {
        it(`5c. ${stack} (stand-in plugins) passes every mandatory policy; provider functions called: ${expectedInvokes.length ? expectedInvokes.map((t) => t.split(":").pop()).join(", ") : "none"}`, async () => {
            fs.rmSync(invokeLog(), { force: true });
            const run = await preview(stack, zone, { configFile: writePreviewableVariant(stack, path.join(dir, `Pulumi.${stack}.yaml`)) });
            assert.strictEqual(run.code, 0, run.output.slice(-3000));
            assert.match(run.output, /agogsaas-sovereignty@v0\.1\.0/);
            assert.doesNotMatch(run.output, /\[mandatory\]/);
            // A stand-in cannot preview a create, so stack policies see no outputs for new resources: the
            // namespace check must call that unknown, not report every namespace (the offline evaluator,
            // which has the inputs, is where the fence itself is checked: test/policy/stacks.test.ts).
            assert.deepStrictEqual(run.output.split("\n").flatMap((line, i, all) => /namespaces-isolated/.test(line) ? [line, all[i + 1], all[i + 2]] : []), []);
            assert.match(run.output, created);
            const called = invokes();
            assert.deepStrictEqual([...new Set(called.map((c) => c.token))].sort(), expectedInvokes);
            // The region the zones are asked for is the stack's own (a stand-in answers from the arguments).
            const region = (YAML.parse(fs.readFileSync(path.join(CHECKOUT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, string> }).config["agogsaas:region"];
            for (const c of called.filter((c) => c.token.endsWith("getAvailabilityZones"))) assert.strictEqual(c.inputs.region, region);
        });
    }

    /** Each planted stack with the policies that must block it and the message of each. */
    const PLANTED: [string, Zone, [string, RegExp][]][] = [
        ["aws-region-outside-zone", "eu", [["aws-region-in-zone", /aws:s3\/bucketV2:BucketV2 is placed in AWS region "us-east-1" \(from the provider\S*\), outside sovereignty zone "eu"/]]],
        ["azure-location-outside-zone", "eu", [["azure-location-in-zone", /azure-native:resources:ResourceGroup is placed in Azure location "eastus".*outside sovereignty zone "eu"/]]],
        ["public-unencrypted-database", "us", [["data-store-not-public", /publicly reachable/], ["data-store-encrypted", /`storageEncrypted` must be true/]]],
        ["plaintext-secret-env", "us", [["no-plaintext-secret-env", /env var DATABASE_PASSWORD: its name marks it as a secret but its value is plaintext/]]],
    ];
    for (const [stack, zone, blocks] of PLANTED) {
        it(`5d. planted violation "${stack}" (stand-in plugins) is blocked by ${blocks.map(([policy]) => policy).join(" and ")}, non-zero exit`, async () => {
            const configFile = path.join(dir, `Pulumi.${stack}.yaml`);
            fs.copyFileSync(path.join(FIXTURES, `Pulumi.${stack}.yaml`), configFile);
            const run = await preview(stack, zone, { configFile, cwd: FIXTURES });
            assert.notStrictEqual(run.code, 0, run.output.slice(-3000));
            assert.match(run.output, /❌ agogsaas-sovereignty@v0\.1\.0/);
            for (const [policy, message] of blocks) {
                assert.match(run.output, new RegExp(`\\[mandatory\\]\\s+${policy}\\s`));
                assert.match(run.output, message);
            }
        });
    }
});
