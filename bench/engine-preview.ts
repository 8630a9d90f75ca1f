/**
 * `npm run bench:engine-preview [-- --facilities 10,100]`: `pulumi preview --json` on the real
 * engine of the shipped eu-central stack and of us-east with N generated facilities (inline
 * EdgeSites, bench/synth/fleet-config.ts), beside the bare-SDK program of the same resource graph
 * (bench/synth/replay.ts, plain wiring: see bench/engine-replay; recorded from the program under
 * the mock runtime) under the same engine. The cloud providers are the preview-only STAND-IN plugins (tools/engine/stand-ins: their
 * real plugins cannot be built here; check echoes, diff compares, and the only functions answered
 * are aws getPartition / getAvailabilityZones), so no cloud is called. Peers and edge stacks come
 * from config (writePreviewableVariant). For each: wall seconds, peak RSS of the engine's session
 * (every plugin included), resources in the plan. The library runs as a user's program does, with
 * the SDK untouched, and again with the repo's opt-in SDK tuning (AGOGSAAS_STACK_CAPTURE=short,
 * sdk-internals/sdk-tuning.ts); the bare-SDK program runs untouched. Run with plain node. Writes nothing but stdout.
 *
 * Not 1,000 facilities inline: the engine starts one plugin process per provider resource, and
 * an inline fleet has a Docker provider per facility. At 1,000 that is 1,000 plugin processes
 * (the stand-in's ~60 MiB each exceed this machine's 24 GiB; see docs/engine.md).
 */
import { fork } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { CHECKOUT, EngineRun, engineVersion, ensureStack, installEngine, pulumi } from "../tools/engine/cli";
import { writeStackFileVariant } from "../tools/engine/local-stack";
import { standInPath, writePreviewableVariant, writeStandInPlugins } from "../tools/engine/stand-ins/index";
import { loadStackConfigFiles } from "../tools/synth/stack-config";
import { measured } from "./engine-measure";
import { fleetConfig } from "./synth/fleet-config";
import type { WorkerFailure, WorkerRequest, WorkerResult } from "./synth/protocol";

const REPLAY_PROJECT = path.join(CHECKOUT, "bench", "engine-replay");
/** The stand-in plugins' processes (tools/engine/stand-ins), left out of the second RSS figure. */
const STAND_IN = /stand-in-provider/;

/** Records the program's graph under the mock runtime (bench/synth/worker.ts) for the replay. */
function record(project: string, stack: string, config: Record<string, string>, dir: string): Promise<string> {
    const configFile = path.join(dir, `${stack}.config.json`);
    const recordFile = path.join(dir, `${stack}.graph.json`);
    fs.writeFileSync(configFile, JSON.stringify(config));
    const request: WorkerRequest = { kind: "library", project, stack, configFile, recordFile };
    return new Promise((resolve, reject) => {
        const child = fork(path.join(__dirname, "synth", "worker.ts"), [], { cwd: CHECKOUT, execArgv: ["--conditions=agogsaas-source", "-r", "ts-node/register/transpile-only", "--max-old-space-size=12288"] });
        let answer: WorkerResult | WorkerFailure | undefined;
        child.on("message", (message: WorkerResult | WorkerFailure) => { answer = message; });
        child.on("exit", () => (answer && !("error" in answer) ? resolve(recordFile) : reject(new Error(`recording ${stack} failed: ${answer && "error" in answer ? answer.error : "no answer"}`))));
        child.send(request);
    });
}

/** Resources in a `preview --json` plan (the stack resource excluded). */
function planned(run: EngineRun): { resources: number; urns: Set<string> } {
    if (run.code !== 0) throw new Error(`pulumi preview exited ${run.code}:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-3000)}`);
    const plan = JSON.parse(run.stdout) as { steps?: { urn: string; type?: string }[] };
    const urns = new Set((plan.steps ?? []).map((s) => s.urn).filter((urn) => !urn.includes("::pulumi:pulumi:Stack::")));
    return { resources: urns.size, urns };
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { facilities: { type: "string", default: "10,100" } } });
    const fleets = String(values.facilities).split(",").map(Number);
    if (fleets.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`--facilities: non-negative integers, comma-separated; got ${values.facilities}`);
    installEngine(() => undefined);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-bench-preview-"));
    const env = { PATH: standInPath(writeStandInPlugins(path.join(dir, "stand-ins"))) };
    console.log(`pulumi preview --json, Pulumi ${engineVersion()} built from source, STAND-IN cloud plugins, ${os.cpus().length} cores, node ${process.version}`);
    const rows: string[] = [];
    try {
        const targets: { label: string; stack: string; fleet?: number }[] = [
            { label: "eu-central (shipped)", stack: "eu-central" },
            ...fleets.map((fleet) => ({ label: `us-east, ${fleet} facilities inline`, stack: "us-east", fleet })),
        ];
        for (const target of targets) {
            const stackDir = fs.mkdtempSync(path.join(dir, `${target.stack}-`));
            fs.copyFileSync(path.join(CHECKOUT, "Pulumi.yaml"), path.join(stackDir, "Pulumi.yaml"));
            let configFile = writePreviewableVariant(target.stack, path.join(stackDir, `Pulumi.${target.stack}.yaml`));
            const loaded = loadStackConfigFiles(target.stack, stackDir);
            let config = loaded.config;
            if (target.fleet !== undefined) {
                config = fleetConfig(config, { facilities: target.fleet, mode: "inline", project: loaded.project });
                const fleetKeys = ["tenants", "facilities", "edgeDeployment"].map((k) => `${loaded.project}:${k}`);
                configFile = writeStackFileVariant(path.join(stackDir, "fleet.yaml"), Object.fromEntries(fleetKeys.map((k) => [k, k.endsWith("edgeDeployment") ? config[k] : JSON.parse(config[k])])), configFile);
            }
            const graph = await record(loaded.project, target.stack, config, stackDir);
            const run = (label: string, cwd: string, extraEnv: Record<string, string>) => async () => {
                const options = { stateDir: path.join(stackDir, `state-${label}`), passphrase: "preview-only", cwd, env: { ...env, ...extraEnv } };
                await ensureStack(target.stack, options, configFile);
                const result = await measured(`${target.label}: ${label}`, (onSpawn) => pulumi(["preview", "--json", "--non-interactive", "--stack", target.stack, "--config-file", configFile], { ...options, processGroup: true, onSpawn }), STAND_IN);
                return { ...result, ...planned(result) };
            };
            const library = await run("library", CHECKOUT, { AGOGSAAS_STACK_CAPTURE: "sdk" })();
            const libraryTuned = await run("library, opt-in SDK tuning", CHECKOUT, { AGOGSAAS_STACK_CAPTURE: "short" })();
            const bare = await run("bare SDK (plain replay)", REPLAY_PROJECT, { AGOGSAAS_REPLAY_GRAPH: graph })();
            const same = library.urns.size === bare.urns.size && [...library.urns].every((u) => bare.urns.has(u));
            const cell = (m: { ms: number; peakMiB: number; peakKeptMiB: number }) => `${(m.ms / 1000).toFixed(1)} s, ${m.peakKeptMiB.toFixed(0)} (${m.peakMiB.toFixed(0)}) MiB`;
            rows.push(`| ${target.label} | ${library.resources}${same ? "" : ` (bare SDK: ${bare.resources}, URNs differ)`} | ${cell(library)} | ${cell(libraryTuned)} | ${cell(bare)} | ${(library.ms / bare.ms).toFixed(2)}x | ${(libraryTuned.ms / bare.ms).toFixed(2)}x |`);
            console.log(rows[rows.length - 1]);
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(["", "Each cell: wall seconds, peak RSS of the engine's session without (with) the stand-in plugins' processes.", "", "| stack | resources | library (SDK untouched) | library + opt-in tuning | bare SDK (plain) | library / bare (goal <= 1.5x) | library + tuning / bare |", "|---|---:|---:|---:|---:|---:|---:|", ...rows].join("\n"));
}

main().then(() => process.exit(0), (error: unknown) => { console.error(error instanceof Error ? error.stack : error); process.exit(1); });
