/**
 * `npm run policy -- --input <synth.json> [--zone us|eu|apac] [--policy-config <file>] [--json]`
 * evaluates every policy of the pack over a synth file (see docs/policy.md). The zone and the
 * default providers' config come from `Pulumi.<stack>.yaml` when the synth's stack has one here;
 * `--zone` overrides. Prints each violation; exit code 1 on any mandatory violation.
 *
 * `npm run policy -- --print-config --zone <zone>` (or `--stack <name>`, zone from its stack file)
 * prints the `--policy-pack-config` JSON the real CLI needs for that zone (CI writes it to a file).
 *
 * Exit codes: 0 no mandatory violation; 1 mandatory violation(s) or bad policy config; 2 usage.
 */
import * as fs from "fs";
import { parseArgs } from "util";
import { assertZone } from "../../components/shared/sovereignty";
import type { SynthResult } from "../synth/mock-runtime";
import { EvaluateOptions, PolicyConfigFile, evaluatePolicies, mandatoryViolations } from "./evaluate";
import { formatViolations } from "./report";
import { policyConfigForZone, stackOptions } from "./stack-options";
import { runCli } from "../run-cli";

const USAGE = [
    "usage: npm run policy -- --input <synth.json> [--zone us|eu|apac] [--policy-config <file>] [--dir <project dir>] [--json]",
    "       npm run policy -- --print-config (--zone us|eu|apac | --stack <name>) [--dir <project dir>]",
].join("\n");

/** Options for evaluating `synth`: stack file config, then the policy config file, then `--zone`. */
export function evaluationOptions(synth: SynthResult, dir: string, zone?: string, policyConfigFile?: string): EvaluateOptions {
    const fromStack = stackOptions(synth.stack, dir) ?? {};
    const policyConfig = policyConfigFile ? (JSON.parse(fs.readFileSync(policyConfigFile, "utf8")) as PolicyConfigFile) : undefined;
    return {
        ...fromStack,
        ...(policyConfig ? { policyConfig, zone: undefined } : {}),
        ...(zone !== undefined ? { zone: assertZone("--zone", zone) } : {}),
    };
}

export async function main(argv: string[]): Promise<number> {
    let values: Record<string, string | boolean | undefined>;
    try {
        values = parseArgs({
            args: argv,
            options: {
                input: { type: "string" }, zone: { type: "string" }, "policy-config": { type: "string" },
                dir: { type: "string" }, stack: { type: "string" }, json: { type: "boolean" }, "print-config": { type: "boolean" }, help: { type: "boolean" },
            },
            strict: true,
        }).values;
    } catch (err) {
        console.error(`error: ${(err as Error).message}\n${USAGE}`);
        return 2;
    }
    if (values.help) {
        console.log(USAGE);
        return 0;
    }
    const dir = typeof values.dir === "string" ? values.dir : process.cwd();
    if (values["print-config"]) {
        const ofStack = typeof values.stack === "string" ? stackOptions(values.stack, dir) : undefined;
        const zone = typeof values.zone === "string" ? values.zone : ofStack?.zone;
        if (zone === undefined) {
            console.error(`error: --print-config needs --zone, or --stack naming a Pulumi.<stack>.yaml with a zone\n${USAGE}`);
            return 2;
        }
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { packArgs } = require("../../policy/pack") as typeof import("../../policy/pack");
        console.log(JSON.stringify(policyConfigForZone(assertZone("--zone", zone), packArgs.policies, ofStack?.multiZone === true && typeof values.zone !== "string"), null, 2));
        return 0;
    }
    if (typeof values.input !== "string") {
        console.error(`error: --input is required\n${USAGE}`);
        return 2;
    }
    const synth = JSON.parse(fs.readFileSync(values.input, "utf8")) as SynthResult;
    try {
        const result = await evaluatePolicies(synth, evaluationOptions(synth, dir, values.zone as string | undefined, values["policy-config"] as string | undefined));
        if (values.json) console.log(JSON.stringify(result, null, 2));
        else for (const line of formatViolations(result, synth.stack)) console.log(line);
        return mandatoryViolations(result).length > 0 ? 1 : 0;
    } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        return 1;
    }
}

runCli(module, main);
