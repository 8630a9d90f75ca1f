/**
 * `npm run bench:sdk-internals -- [--facilities 1000] [--mode inline|regional] [--repeat 3]`
 *
 * Issue #14 part 4: the library (components/) uses the public SDK API only; the repo's own program
 * may opt in to the SDK stack-capture tuning (sdk-internals/sdk-tuning.ts, AGOGSAAS_STACK_CAPTURE).
 * This prints, for the us-east stack with N generated facilities under the mock runtime (the
 * offline synth, exactly as `npm run bench:synth` measures it: bench/synth/worker.ts, one fresh
 * process per measurement, the project's node flags):
 *
 * - (a) the bare-SDK program of the same resource graph (bench/synth/replay.ts), SDK untouched:
 *   `wired` (one Output per input another resource produced: the least a hand-written program
 *   needs; the target is read against it) and `plain` (every such input a literal: a lower bound);
 * - (b) the library, SDK untouched (what a user of the package gets);
 * - (c) the library with the opt-in tuning (`short`: what `AGOGSAAS_STACK_CAPTURE=short` gives
 *   the repo's own stack program);
 *
 * and the ratios (b)/(a) (goal ≤ 1.3× wired) and (c)/(b) (the opt-in's gain). Every row is the run
 * with the median evaluation time of `--repeat` runs, the kinds alternating so that a change in
 * the machine's load affects all alike. The real-engine figure is `npm run bench:engine-preview`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { loadStackConfigFiles } from "../tools/synth/stack-config";
import { runCli } from "../tools/run-cli";
import { FLEET_MODES, FleetMode, fleetConfig } from "./synth/fleet-config";
import { BASE_STACK, DEFAULT_NODE_FLAGS, ROOT, buildWorker, medianRun, runWorker } from "./synth/main";
import type { WorkerRequest, WorkerResult } from "./synth/protocol";

const KINDS = [
    { key: "wired", label: "(a) bare SDK, wired replay", kind: "baseline", wiring: "wired", stackCapture: "sdk" },
    { key: "plain", label: "(a') bare SDK, plain replay", kind: "baseline", wiring: "plain", stackCapture: "sdk" },
    { key: "library", label: "(b) library, SDK untouched", kind: "library", stackCapture: "sdk" },
    { key: "tuned", label: "(c) library + opt-in tuning (short)", kind: "library", stackCapture: "short" },
] as const;
type Key = (typeof KINDS)[number]["key"];

export async function main(argv: string[]): Promise<number> {
    const { values } = parseArgs({
        args: argv,
        options: {
            facilities: { type: "string", default: "1000" },
            mode: { type: "string", default: "inline" },
            repeat: { type: "string", default: "1" },
            runtime: { type: "string", default: "js" },
        },
        strict: true,
    });
    const facilities = Number(values.facilities);
    const repeat = Number(values.repeat);
    const mode = values.mode as FleetMode;
    const runtime = values.runtime as "js" | "ts-node";
    if (!Number.isInteger(facilities) || facilities < 1) throw new Error(`--facilities: a positive integer, got ${values.facilities}`);
    if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat: a positive integer, got ${values.repeat}`);
    if (!(FLEET_MODES as readonly string[]).includes(mode)) throw new Error(`--mode: ${FLEET_MODES.join(" or ")}, got ${mode}`);
    if (runtime !== "js" && runtime !== "ts-node") throw new Error(`--runtime: js or ts-node, got ${runtime}`);

    const loaded = loadStackConfigFiles(BASE_STACK, ROOT);
    const worker = buildWorker(runtime);
    const nodeFlags = DEFAULT_NODE_FLAGS.split(/\s+/).filter((f) => f !== "");
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-sdk-internals-"));
    const runs = new Map<Key, WorkerResult[]>(KINDS.map((k) => [k.key, []]));
    try {
        const configFile = path.join(tmp, `${mode}-${facilities}.json`);
        const recordFile = path.join(tmp, `${mode}-${facilities}.graph.json`);
        fs.writeFileSync(configFile, JSON.stringify(fleetConfig(loaded.config, { facilities, mode, project: loaded.project })));
        for (let run = 0; run < repeat; run++) {
            // The library first: its run records the graph the replays register.
            for (const k of [KINDS[2], KINDS[0], KINDS[1], KINDS[3]]) {
                const request: WorkerRequest = {
                    kind: k.kind, wiring: "wiring" in k ? k.wiring : undefined, project: loaded.project, stack: BASE_STACK,
                    configFile, recordFile: k.key === "tuned" ? undefined : recordFile, stackCapture: k.stackCapture,
                };
                const result = await runWorker(worker, request, nodeFlags, undefined);
                runs.get(k.key)!.push(result);
                process.stderr.write(`run ${run + 1}/${repeat} ${k.label}: ${result.resources} resources, ${(result.evalMs / 1000).toFixed(2)} s, ${(result.maxRssKb / 1024).toFixed(0)} MiB\n`);
            }
        }
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    const median = Object.fromEntries(KINDS.map((k) => [k.key, medianRun(runs.get(k.key)!)])) as Record<Key, WorkerResult>;
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    console.log(`us-east, ${facilities} facilities, ${mode}, synth under the mock runtime (${repeat === 1 ? "one run" : `median of ${repeat} runs`} per row)`);
    console.log("");
    console.log("| program | resources | eval wall | eval CPU | peak RSS | / bare SDK wired | / bare SDK plain |");
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    for (const k of KINDS) {
        const m = median[k.key];
        console.log(`| ${k.label} | ${m.resources} | ${(m.evalMs / 1000).toFixed(2)} s | ${(m.cpuMs / 1000).toFixed(2)} s | ${(m.maxRssKb / 1024).toFixed(0)} MiB | ${ratio(m.evalMs, median.wired.evalMs)} | ${ratio(m.evalMs, median.plain.evalMs)} |`);
    }
    console.log("");
    const goal = median.library.evalMs / median.wired.evalMs;
    console.log(`library without patches / bare SDK (wired): ${goal.toFixed(2)}x (goal <= 1.3x: ${goal <= 1.3 ? "met" : "NOT met"})`);
    console.log(`opt-in tuning: library ${(median.library.evalMs / 1000).toFixed(2)} s -> ${(median.tuned.evalMs / 1000).toFixed(2)} s (${ratio(median.tuned.evalMs, median.library.evalMs)} of the untouched SDK's time)`);
    console.log(`settings: runtime ${runtime}; node flags "${nodeFlags.join(" ")}"; node ${process.version}; ${os.cpus().length} CPUs; load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    return 0;
}

runCli(module, main);
