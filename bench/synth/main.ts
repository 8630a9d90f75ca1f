/**
 * `npm run bench:synth -- [--facilities N]... [--mode inline|regional] [options]`
 *
 * Evaluates the real us-east stack program under the mock runtime with N generated facilities,
 * each measurement in a fresh process, and beside it the bare-SDK replay of the same resource
 * graph (bench/synth/replay.ts). Without --facilities: N = 10, 100, 1000 in both modes. A run with
 * 0 facilities is added per mode as the reference for per-facility costs.
 *
 * By default the worker and the program are compiled to plain JavaScript first (tsc, into
 * dist/bench) and run with plain node; `--runtime ts-node` runs the TypeScript sources instead.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, fork } from "child_process";
import { parseArgs } from "util";
import * as YAML from "yaml";
import { loadStackConfigFiles } from "../../tools/synth/stack-config";
import { FLEET_MODES, FleetMode, fleetConfig } from "./fleet-config";
import { HEADER, Measurement, growth, markdownTable, tableRows, textTable } from "./report";
import type { MeasurementKind, WorkerFailure, WorkerRequest, WorkerResult } from "./protocol";
import type { ReplayWiring } from "./replay";
import { STACK_CAPTURE_MODES, StackCapture } from "../../sdk-internals/sdk-tuning";
import { runCli } from "../../tools/run-cli";

export const ROOT = path.resolve(__dirname, "..", "..");
const DEFAULT_FACILITIES = [10, 100, 1000];
export const BASE_STACK = "us-east";
/** A heap limit above node's default (about 4 GiB here), so a run that needs more finishes and reports its peak instead of crashing. */
const HEAP_CEILING_FLAG = "--max-old-space-size=12288";

/** The node flags `pulumi up` gives the program: Pulumi.yaml `runtime.options.nodeargs`. */
export function projectNodeArgs(root = ROOT): string {
    const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { runtime?: { options?: { nodeargs?: unknown } } };
    const nodeargs = project.runtime?.options?.nodeargs;
    return typeof nodeargs === "string" ? nodeargs : "";
}

/** The measured processes run as `pulumi up` runs the program (its nodeargs), under a generous heap ceiling. */
export const DEFAULT_NODE_FLAGS = `${HEAP_CEILING_FLAG} ${projectNodeArgs()}`.trim();

const USAGE = `usage: npm run bench:synth -- [options]
  --facilities <N>         fleet size; repeat or comma-separate for several (default 10,100,1000)
  --mode <m>               inline (EdgeSites in the regional stack) or regional (regional stack only,
                           each facility its own edge stack); repeatable (default both)
  --no-baseline            skip the bare-SDK replays (plain and wired, bench/synth/replay.ts)
  --runtime <r>            js (compile with tsc, run plain node; default) or ts-node
  --stack-capture <m>      SDK stack capture (sdk-internals/sdk-tuning.ts, opt-in): sdk (default: untouched), short or off
  --stack-trace-limit <n>  set Error.stackTraceLimit in the measured process (default: node's 10)
  --node-flags="<flags>"   V8/node flags for the measured processes (default: Pulumi.yaml's nodeargs,
                           as pulumi up runs the program, and a heap ceiling: "${DEFAULT_NODE_FLAGS}")
  --repeat <n>             measure each row n times (library and bare SDK alternating, each in a
                           fresh process) and report the run with the median eval time (default 1)
  --cpu-prof <dir>         write a V8 CPU profile of each measured process into <dir>
  --markdown               print the table as Markdown
  --json <file>            also write every measurement as JSON
  --help`;

interface Options {
    facilities: number[];
    modes: FleetMode[];
    baseline: boolean;
    runtime: "js" | "ts-node";
    stackCapture?: StackCapture;
    stackTraceLimit?: number;
    nodeFlags: string[];
    cpuProf?: string;
    repeat: number;
    markdown: boolean;
    json?: string;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): Options | undefined {
    const { values } = parseArgs({
        args: argv,
        options: {
            facilities: { type: "string", multiple: true },
            mode: { type: "string", multiple: true },
            "no-baseline": { type: "boolean" },
            runtime: { type: "string" },
            "stack-capture": { type: "string" },
            "stack-trace-limit": { type: "string" },
            "cpu-prof": { type: "string" },
            repeat: { type: "string" },
            "node-flags": { type: "string" },
            markdown: { type: "boolean" },
            json: { type: "string" },
            help: { type: "boolean" },
        },
        strict: true,
        allowPositionals: false,
    });
    if (values.help) return undefined;
    const facilities = (values.facilities ?? []).flatMap((v) => v.split(",")).map((v) => {
        const n = Number(v.trim());
        if (!Number.isInteger(n) || n < 0) throw new UsageError(`--facilities: expected a non-negative integer, got "${v}"`);
        return n;
    });
    const modes = (values.mode ?? []).map((m) => {
        if (!(FLEET_MODES as readonly string[]).includes(m)) throw new UsageError(`--mode: expected ${FLEET_MODES.join(" or ")}, got "${m}"`);
        return m as FleetMode;
    });
    const runtime = values.runtime ?? "js";
    if (runtime !== "js" && runtime !== "ts-node") throw new UsageError(`--runtime: expected js or ts-node, got "${runtime}"`);
    const capture = values["stack-capture"];
    if (capture !== undefined && !(STACK_CAPTURE_MODES as readonly string[]).includes(capture)) {
        throw new UsageError(`--stack-capture: expected ${STACK_CAPTURE_MODES.join(", ")}, got "${capture}"`);
    }
    const repeat = values.repeat === undefined ? 1 : Number(values.repeat);
    if (!Number.isInteger(repeat) || repeat < 1) throw new UsageError(`--repeat: expected a positive integer, got "${values.repeat}"`);
    const limitRaw = values["stack-trace-limit"];
    const limit = limitRaw === undefined ? undefined : limitRaw === "Infinity" ? Infinity : Number(limitRaw);
    if (limit !== undefined && !(limit >= 0)) throw new UsageError(`--stack-trace-limit: expected a number >= 0 or Infinity, got "${limitRaw}"`);
    return {
        facilities: facilities.length > 0 ? facilities : DEFAULT_FACILITIES,
        modes: modes.length > 0 ? [...new Set(modes)] : [...FLEET_MODES],
        baseline: !values["no-baseline"],
        runtime,
        stackCapture: capture as StackCapture | undefined,
        stackTraceLimit: limit,
        nodeFlags: (values["node-flags"] ?? DEFAULT_NODE_FLAGS).split(/\s+/).filter((f) => f !== ""),
        cpuProf: values["cpu-prof"],
        repeat,
        markdown: values.markdown === true,
        json: values.json,
    };
}

/** Compiles the worker and the program to dist/bench; returns the worker's path. */
export function buildWorker(runtime: Options["runtime"]): { script: string; execArgv: string[] } {
    if (runtime === "ts-node") {
        return { script: path.join(__dirname, "worker.ts"), execArgv: ["--conditions=agogsaas-source", "-r", "ts-node/register/transpile-only"] };
    }
    const started = Date.now();
    const tsc = require.resolve("typescript/bin/tsc");
    // tsc exits non-zero when it reports errors (none expected with noCheck); the emit happens regardless.
    try {
        execFileSync(process.execPath, [tsc, "-p", path.join(ROOT, "bench", "synth", "tsconfig.json")], { cwd: ROOT, stdio: "pipe" });
    } catch (err) {
        const out = `${(err as { stdout?: Buffer }).stdout ?? ""}${(err as { stderr?: Buffer }).stderr ?? ""}`;
        process.stderr.write(`warning: tsc reported:\n${out}\n`);
    }
    const script = path.join(ROOT, "dist", "bench", "bench", "synth", "worker.js");
    if (!fs.existsSync(script)) throw new Error(`compilation produced no ${script}`);
    process.stderr.write(`compiled to dist/bench in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return { script, execArgv: ["-r", path.join(path.dirname(script), "package-alias.js")] };
}

export function runWorker(worker: { script: string; execArgv: string[] }, request: WorkerRequest, nodeFlags: string[], cpuProf: string | undefined): Promise<WorkerResult> {
    const execArgv = [...nodeFlags, ...worker.execArgv];
    if (cpuProf) {
        fs.mkdirSync(cpuProf, { recursive: true });
        const label = request.kind === "baseline" ? `baseline-${request.wiring ?? "plain"}` : request.kind;
        execArgv.push("--cpu-prof", `--cpu-prof-dir=${path.resolve(cpuProf)}`, `--cpu-prof-name=${path.basename(request.configFile, ".json")}-${label}.cpuprofile`);
    }
    return new Promise((resolve, reject) => {
        const child = fork(worker.script, [], { cwd: ROOT, execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
        let answer: WorkerResult | WorkerFailure | undefined;
        child.on("message", (message: WorkerResult | WorkerFailure) => { answer = message; });
        child.on("error", reject);
        child.on("exit", (code) => {
            if (answer && "error" in answer) reject(new Error(`${request.kind} worker failed:\n${answer.error}`));
            else if (answer) resolve(answer);
            else reject(new Error(`${request.kind} worker exited with code ${code} and no result`));
        });
        child.send(request);
    });
}

async function measureOne(
    worker: { script: string; execArgv: string[] }, options: Options, base: Record<string, string>, project: string,
    mode: FleetMode, facilities: number, tmp: string,
): Promise<Measurement> {
    const configFile = path.join(tmp, `${mode}-${facilities}.json`);
    fs.writeFileSync(configFile, JSON.stringify(fleetConfig(base, { facilities, mode, project })));
    const request = (kind: MeasurementKind, wiring?: ReplayWiring): WorkerRequest => ({
        kind, wiring, project, stack: BASE_STACK, configFile,
        recordFile: path.join(tmp, `${mode}-${facilities}.graph.json`),
        stackTraceLimit: options.stackTraceLimit,
        stackCapture: options.stackCapture,
    });
    // Alternating library and baseline runs, so a change in the machine's load affects both alike.
    const libraryRuns: WorkerResult[] = [];
    const baselineRuns: WorkerResult[] = [];
    const wiredRuns: WorkerResult[] = [];
    for (let run = 0; run < options.repeat; run++) {
        libraryRuns.push(await runWorker(worker, request("library"), options.nodeFlags, options.cpuProf));
        if (options.baseline && facilities > 0) {
            baselineRuns.push(await runWorker(worker, request("baseline", "plain"), options.nodeFlags, options.cpuProf));
            wiredRuns.push(await runWorker(worker, request("baseline", "wired"), options.nodeFlags, options.cpuProf));
        }
    }
    return {
        mode, facilities, library: medianRun(libraryRuns), runs: options.repeat,
        baseline: baselineRuns.length > 0 ? medianRun(baselineRuns) : undefined,
        wired: wiredRuns.length > 0 ? medianRun(wiredRuns) : undefined,
    };
}

/** The run with the median evaluation time (the upper one of the middle two for an even count). */
export function medianRun(runs: readonly WorkerResult[]): WorkerResult {
    if (runs.length === 0) throw new Error("medianRun: no runs");
    return [...runs].sort((a, b) => a.evalMs - b.evalMs)[Math.floor(runs.length / 2)];
}

export async function main(argv: string[]): Promise<number> {
    let options: Options | undefined;
    try {
        options = parseOptions(argv);
    } catch (err) {
        console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
        return 2;
    }
    if (!options) {
        console.log(USAGE);
        return 0;
    }
    const loaded = loadStackConfigFiles(BASE_STACK, ROOT);
    const worker = buildWorker(options.runtime);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));
    const measurements: Measurement[] = [];
    try {
        for (const mode of options.modes) {
            const sizes = [...new Set([0, ...options.facilities])].sort((a, b) => a - b);
            for (const n of sizes) {
                const m = await measureOne(worker, options, loaded.config, loaded.project, mode, n, tmp);
                measurements.push(m);
                process.stderr.write(`${mode} ${n}: ${m.library.resources} resources, ${(m.library.evalMs / 1000).toFixed(2)} s, ${(m.library.maxRssKb / 1024).toFixed(0)} MiB` +
                    (m.baseline ? `; bare SDK ${(m.baseline.evalMs / 1000).toFixed(2)} s plain, ${(m.wired!.evalMs / 1000).toFixed(2)} s wired` : "") + "\n");
            }
        }
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }

    const rows = tableRows(measurements);
    console.log(options.markdown ? markdownTable(HEADER, rows) : textTable(HEADER, rows));
    for (const mode of options.modes) {
        const g = growth(measurements, mode, 100, 1000, (m) => m.library.evalMs);
        if (g !== undefined) console.log(`${mode}: eval time 1000 / 100 facilities = ${g.toFixed(2)}`);
    }
    const settings = [
        `runtime ${options.runtime}`,
        `stack capture ${options.stackCapture ?? "default (AGOGSAAS_STACK_CAPTURE, else the SDK untouched)"}`,
        `Error.stackTraceLimit ${options.stackTraceLimit ?? "node default"}`,
        `node flags "${options.nodeFlags.join(" ")}"`,
        `${options.repeat === 1 ? "one run per row" : `median of ${options.repeat} runs per row`}`,
        `node ${process.version}`, `${os.cpus().length} CPUs`, `load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
    ];
    console.log(`settings: ${settings.join("; ")}`);
    if (options.json) fs.writeFileSync(options.json, `${JSON.stringify({ settings, measurements }, null, 2)}\n`);
    return 0;
}

runCli(module, main);
