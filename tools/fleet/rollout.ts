/**
 * `npm run fleet -- --stack <regional stack> [--plan] [options]`: rolls out the per-facility edge
 * stacks of a regional stack with the Pulumi Automation API (LocalWorkspace over this project
 * directory), in the waves tools/fleet/plan.ts computes, several stacks at a time, then updates the
 * regional stack.
 *
 * `--plan` only prints the plan (waves, skipped facilities); that part runs anywhere. The update
 * itself needs the Pulumi CLI on PATH, a logged-in backend and the stacks' secrets provider, none
 * of which exist on the machines this repository is developed on, so it is unexercised here.
 */
import * as path from "path";
import { parseArgs } from "util";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { loadStackConfigFiles } from "../synth/stack-config";
import { EdgeStackTask, FleetPlan, planFleet } from "./plan";
import { runRollout } from "./schedule";
import { runCli } from "../run-cli";

const USAGE = `usage: npm run fleet -- --stack <regional stack> [options]
  --plan                  print the plan and exit (no Pulumi CLI needed)
  --concurrency <n>       edge stack updates at a time (default 8)
  --canary <n>            facilities in the first wave (default 3)
  --growth <x>            wave size multiplier (default 4)
  --max-wave <n>          largest wave (default 200)
  --max-failure-rate <r>  share of failed stacks that stops the rollout after a wave (default 0.05)
  --only <id,...>         only these facilities
  --include-offline       also update facilities marked offline
  --regional <when>       last (default), first or skip
  --dir <dir>             project directory (default: current directory)`;

/** `pulumi config set-all --json` input: every value as a string, structured values also as objectValue. */
export function configJson(config: Record<string, string>): string {
    const out: Record<string, { value: string; secret: boolean; objectValue?: unknown }> = {};
    for (const [key, value] of Object.entries(config)) {
        let objectValue: unknown;
        try {
            const parsed = JSON.parse(value);
            if (parsed !== null && typeof parsed === "object") objectValue = parsed;
        } catch {
            objectValue = undefined;
        }
        out[key] = objectValue === undefined ? { value, secret: false } : { value, secret: false, objectValue };
    }
    return JSON.stringify(out);
}

function formatPlan(plan: FleetPlan): string[] {
    const lines = plan.waves.map((wave, i) => `wave ${i + 1}: ${wave.length} stack(s): ${wave.slice(0, 6).map((t) => t.stack).join(", ")}${wave.length > 6 ? ", ..." : ""}`);
    if (plan.regional !== "skip") lines[plan.regional === "first" ? "unshift" : "push"](`regional stack ${plan.regionalStack} (${plan.regional})`);
    const reasons = new Map<string, number>();
    for (const s of plan.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
    if (plan.skipped.length > 0) lines.push(`skipped: ${[...reasons].map(([r, n]) => `${n} ${r}`).join(", ")}`);
    return lines;
}

export async function main(argv: string[]): Promise<number> {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string" }, plan: { type: "boolean" }, concurrency: { type: "string" }, canary: { type: "string" },
            growth: { type: "string" }, "max-wave": { type: "string" }, "max-failure-rate": { type: "string" }, only: { type: "string" },
            "include-offline": { type: "boolean" }, regional: { type: "string" }, dir: { type: "string" }, help: { type: "boolean" },
        },
        strict: true,
    });
    if (values.help || !values.stack) {
        console.log(USAGE);
        return values.help ? 0 : 2;
    }
    const dir = path.resolve(values.dir ?? process.cwd());
    const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    const regional = values.regional ?? "last";
    if (!["last", "first", "skip"].includes(regional)) throw new Error(`--regional: expected last, first or skip, got "${regional}"`);
    const loaded = loadStackConfigFiles(values.stack, dir);
    const plan = planFleet(loaded.config, values.stack, {
        canary: number(values.canary), growth: number(values.growth), maxWaveSize: number(values["max-wave"]),
        only: values.only?.split(",").map((s) => s.trim()), includeOffline: values["include-offline"],
        regional: regional as FleetPlan["regional"],
    }, loaded.project);
    for (const line of formatPlan(plan)) console.log(line);
    if (values.plan) return 0;

    const report = await runRollout(plan, {
        regional: async (stackName) => {
            const stack = await LocalWorkspace.selectStack({ stackName, workDir: dir });
            await stack.up({ onOutput: (out) => process.stdout.write(`[${stackName}] ${out}`) });
        },
        edge: async (task: EdgeStackTask) => {
            const stack = await LocalWorkspace.createOrSelectStack({ stackName: task.stack, workDir: dir });
            await stack.workspace.setAllConfigJson(task.stack, configJson(task.config));
            await stack.up({ onOutput: (out) => process.stdout.write(`[${task.stack}] ${out}`) });
        },
    }, { concurrency: number(values.concurrency), maxFailureRate: number(values["max-failure-rate"]) });
    const failed = report.outcomes.filter((o) => !o.ok);
    for (const f of failed) console.error(`failed: ${f.stack}: ${"error" in f ? f.error : ""}`);
    console.log(`${report.outcomes.length - failed.length} stack(s) updated, ${failed.length} failed, ${report.notStarted.length} not started`);
    return failed.length > 0 || report.stoppedAtWave !== undefined ? 1 : 0;
}

runCli(module, main, { showStack: false });
