/**
 * Policy tests run REAL Pulumi resources under the mock runtime (`synthesize`) and evaluate the
 * pack over the recorded graph with the offline evaluator, which builds the engine's args.
 */
import * as assert from "assert";
import { synthesize } from "../../tools/synth/mock-runtime";
import { EvaluateOptions, EvaluationResult, Violation, evaluatePolicies } from "../../tools/policy/evaluate";

let counter = 0;

export interface ProgramCase {
    /** Sovereignty zone given to the zone-aware policies; default "us"; null = none. */
    zone?: string | null;
    /** Stack config (also used for default providers), e.g. `{ "aws:region": "us-east-1" }`. */
    config?: Record<string, string>;
    /** Run as `pulumi preview` (outputs unknown). */
    preview?: boolean;
    policyConfig?: EvaluateOptions["policyConfig"];
    program: () => unknown;
}

export async function evaluateProgram(c: ProgramCase): Promise<EvaluationResult> {
    const synth = await synthesize({
        project: "policytest", stack: `case${++counter}`, config: c.config, preview: c.preview, program: c.program,
    });
    return evaluatePolicies(synth, { zone: c.zone === null ? undefined : c.zone ?? "us", stackConfig: c.config, policyConfig: c.policyConfig });
}

export function violationsOf(result: EvaluationResult, policy: string): Violation[] {
    return result.violations.filter((v) => v.policy === policy);
}

/** Asserts exactly `count` violations of `policy`, each on a resource named `name` when given. */
export function assertViolations(result: EvaluationResult, policy: string, count: number, name?: string, pattern?: RegExp): Violation[] {
    const found = violationsOf(result, policy);
    assert.strictEqual(found.length, count, `${policy}: expected ${count} violation(s), got ${JSON.stringify(found, null, 1)}`);
    for (const v of found) {
        if (name !== undefined) assert.strictEqual(v.name, name);
        if (pattern !== undefined) assert.match(v.message, pattern);
    }
    return found;
}
