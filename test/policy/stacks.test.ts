/**
 * End to end: every policy over each shipped stack's whole synthesized graph (the real stack
 * program with its Pulumi.<stack>.yaml), as `npm run synth -- --stack <name> --policy` does.
 */
import * as assert from "assert";
import * as path from "path";
import { synthStack } from "../../tools/synth/cli";
import { evaluatePolicies, mandatoryViolations } from "../../tools/policy/evaluate";
import { formatViolations } from "../../tools/policy/report";
import { stackOptions } from "../../tools/policy/stack-options";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const STACKS: [string, string][] = [["us-east", "us"], ["eu-central", "eu"], ["apac", "apac"]];

describe("policy pack over the shipped stacks (end to end)", () => {
    for (const [stack, zone] of STACKS) {
        it(`${stack}: zero mandatory violations`, async () => {
            const options = stackOptions(stack, PROJECT_DIR);
            assert.strictEqual(options?.zone, zone);
            const synth = await synthStack(stack, PROJECT_DIR);
            assert.ok(synth.resources.length > 20, `${stack} synthesized only ${synth.resources.length} resources`);
            const result = await evaluatePolicies(synth, options);
            const mandatory = mandatoryViolations(result);
            assert.deepStrictEqual(mandatory, [], formatViolations(result, stack).join("\n"));
            // Every namespace fenced (default-deny, Pod Security, tenant quota): no advisory finding of that kind either.
            assert.deepStrictEqual(result.violations.filter((v) => v.policy === "namespaces-isolated").map((v) => v.message), []);
            assert.ok(synth.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").length >= 6, "apps, federation and the four add-on namespaces");
            // The zone-aware policies did run: every data store of the stack was checked against this zone.
            assert.ok(synth.resources.some((r) => (r.inputs.tags as Record<string, string> | undefined)?.["data-residency"] === zone
                || (r.inputs.labels as { label: string; value: string }[] | undefined)?.some?.((l) => l.label === "data-residency" && l.value === zone)));
        });
    }
});
