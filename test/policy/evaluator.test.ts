import * as assert from "assert";
import * as aws from "@pulumi/aws";
import { ResourceValidationArgs, StackValidationArgs, validateResourceOfType } from "@pulumi/policy";
import { synthesize } from "../../tools/synth/mock-runtime";
import { evaluatePolicies, mandatoryViolations } from "../../tools/policy/evaluate";
import { packArgs } from "../../policy/pack";
import { policyConfigForZone } from "../../tools/policy/stack-options";

async function oneBucket() {
    return synthesize({
        project: "evaltest", stack: "s",
        program: () => {
            const provider = new aws.Provider("frankfurt", { region: "eu-central-1" });
            new aws.s3.Bucket("b", { tags: { team: "x" } }, { provider, protect: true });
            new aws.iam.Role("r", { assumeRolePolicy: "{}" });
        },
    });
}

describe("offline evaluator (engine-shaped args)", () => {
    it("builds ResourceValidationArgs as the engine does: type, props, urn, name, opts, provider props, isType/asType, config", async () => {
        const seen: ResourceValidationArgs[] = [];
        const result = await evaluatePolicies(await oneBucket(), {
            policies: [{
                name: "probe", description: "records args", enforcementLevel: "mandatory",
                configSchema: { properties: { limit: { type: "number", default: 3 } } },
                validateResource: (args, report) => {
                    seen.push(args);
                    if (args.isType(aws.s3.Bucket)) report(`bucket tags ${JSON.stringify(args.asType(aws.s3.Bucket)?.tags)}`);
                },
            }],
        });
        const bucket = seen.find((a) => a.type === "aws:s3/bucket:Bucket")!;
        assert.strictEqual(bucket.name, "b");
        assert.match(bucket.urn, /^urn:pulumi:s::evaltest::aws:s3\/bucket:Bucket::b$/);
        assert.strictEqual(bucket.opts.protect, true);
        assert.strictEqual(bucket.provider?.type, "pulumi:providers:aws");
        assert.strictEqual(bucket.provider?.name, "frankfurt");
        assert.strictEqual(bucket.provider?.props.region, "eu-central-1");
        assert.deepStrictEqual(bucket.getConfig(), { limit: 3 });
        assert.strictEqual(bucket.asType(aws.iam.Role), undefined);
        const role = seen.find((a) => a.type === "aws:iam/role:Role")!;
        assert.strictEqual(role.provider?.name, "default", "resources without explicit provider get the default one");
        assert.deepStrictEqual(result.violations.map((v) => [v.policy, v.name, v.message, v.enforcementLevel]), [["probe", "b", 'bucket tags {"team":"x"}', "mandatory"]]);
    });

    it("honours enforcement overrides (per policy and `all`), `disabled`, notApplicable and typed validators", async () => {
        const synth = await oneBucket();
        const policies = [
            { name: "typed", description: "", enforcementLevel: "mandatory" as const, validateResource: validateResourceOfType(aws.s3.Bucket, (_b, _a, report) => report("typed")) },
            { name: "na", description: "", enforcementLevel: "mandatory" as const, validateResource: (a: ResourceValidationArgs) => a.notApplicable("never") },
            { name: "stack", description: "", enforcementLevel: "advisory" as const, validateStack: (a: StackValidationArgs, report: (m: string, u?: string) => void) => {
                const bucket = a.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
                report(`parent ${bucket.parent?.type ?? "none"}, ${a.resources.length} resources`, bucket.urn);
            } },
        ];
        let result = await evaluatePolicies(synth, { policies });
        assert.deepStrictEqual(result.violations.map((v) => `${v.policy}/${v.enforcementLevel}/${v.message}`), [
            "typed/mandatory/typed", "stack/advisory/parent none, 3 resources",
        ]);
        result = await evaluatePolicies(synth, { policies, policyConfig: { typed: "advisory", all: "disabled" } });
        assert.deepStrictEqual(result.violations.map((v) => `${v.policy}/${v.enforcementLevel}`), ["typed/advisory"]);
        assert.strictEqual(mandatoryViolations(result).length, 0);
    });

    it("the pack's policy config for a zone covers exactly the zone-aware policies", () => {
        const config = policyConfigForZone("eu", packArgs.policies);
        const zoneAware = packArgs.policies.filter((p) => p.configSchema?.properties.zone).map((p) => p.name).sort();
        assert.deepStrictEqual(Object.keys(config).sort(), zoneAware);
        assert.ok(zoneAware.includes("aws-region-in-zone") && zoneAware.includes("backups-stay-in-zone"));
        assert.deepStrictEqual(config["aws-region-in-zone"], { zone: "eu" });
    });

    it("every pack policy has a unique name, a description and an explicit enforcement level", () => {
        const names = packArgs.policies.map((p) => p.name);
        assert.strictEqual(new Set(names).size, names.length);
        for (const p of packArgs.policies) {
            assert.ok(p.description.length > 10, p.name);
            assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", p.name);
        }
        assert.deepStrictEqual(packArgs.policies.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name).sort(), [
            "container-images-pinned", "containers-non-root-with-limits", "namespaces-isolated",
        ]);
    });
});
