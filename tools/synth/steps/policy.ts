/**
 * `npm run synth -- --stack <name> --policy`: evaluates the policy pack over the graph just
 * synthesized (zone and provider config from the stack's file) and fails on a mandatory violation.
 */
import { evaluatePolicies, mandatoryViolations } from "../../policy/evaluate";
import { formatViolations } from "../../policy/report";
import { stackOptions } from "../../policy/stack-options";
import type { SynthStep } from "../steps";

export const step: SynthStep = {
    name: "policy",
    options: [{ name: "policy", type: "boolean", description: "evaluate the CrossGuard policy pack over the graph; exit 1 on a mandatory violation" }],
    enabled: (options) => options.policy === true,
    run: async ({ stack, result, projectDir, log }) => {
        const evaluation = await evaluatePolicies(result, stackOptions(stack, projectDir) ?? {});
        log("");
        for (const line of formatViolations(evaluation, stack)) log(line);
        return mandatoryViolations(evaluation).length > 0 ? 1 : 0;
    },
};
