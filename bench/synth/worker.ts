/**
 * One measurement, in a fresh process (forked by bench/synth/main.ts): evaluates the real stack
 * program (`library`) or the bare-SDK replay of a recorded graph (`baseline`) under the mock
 * runtime through `synthesize`, and sends back resources, timings and peak RSS.
 *
 * Both kinds load the same modules (the stack program and every provider SDK it imports) before
 * the clock for the evaluation starts, so module loading and process setup are the same for both.
 */
import * as fs from "fs";
import { performance } from "perf_hooks";
import { WorkerRequest, WorkerResult } from "./protocol";
import type { RecordedGraph } from "./replay";

/**
 * Records, per type token, the property names a custom resource declares (its inputs and the
 * outputs its provider SDK class declares as undefined): the SDK turns each into an Output, so
 * the bare-SDK replay declares the same ones. Wraps the SDK's `transferProperties`, which
 * receives them all (label `resource:<name>[<type>]`).
 */
function recordDeclaredProperties(): Map<string, string[]> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties: (onto: unknown, label: string, props: Record<string, unknown>) => unknown };
    const declared = new Map<string, string[]>();
    const original = rpc.transferProperties;
    rpc.transferProperties = (onto, label, props) => {
        const type = /\[(.*)\]$/.exec(label)?.[1];
        if (type !== undefined && !declared.has(type)) declared.set(type, Object.keys(props));
        return original(onto, label, props);
    };
    return declared;
}

function applyProcessSettings(request: WorkerRequest): void {
    if (request.stackTraceLimit !== undefined) Error.stackTraceLimit = request.stackTraceLimit;
}

async function measure(request: WorkerRequest): Promise<WorkerResult> {
    applyProcessSettings(request);
    const loadStart = performance.now();
    // Loaded here, after the settings: the same modules for both kinds.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { synthesize } = require("../../tools/synth/mock-runtime") as typeof import("../../tools/synth/mock-runtime");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runStack } = require("../../stacks/program") as typeof import("../../stacks/program");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { replayProgram } = require("./replay") as typeof import("./replay");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { tuneSdkRegistration } = require("../../stacks/sdk-tuning") as typeof import("../../stacks/sdk-tuning");
    tuneSdkRegistration(request.stackCapture);

    const declared = request.kind === "library" ? recordDeclaredProperties() : undefined;
    const config = JSON.parse(fs.readFileSync(request.configFile, "utf8")) as Record<string, string>;
    const program = request.kind === "library"
        ? runStack
        : replayProgram(JSON.parse(fs.readFileSync(request.recordFile!, "utf8")));
    const loadMs = performance.now() - loadStart;

    const cpuBefore = process.cpuUsage();
    const evalStart = performance.now();
    const result = await synthesize({ project: request.project, stack: request.stack, config, program });
    const evalMs = performance.now() - evalStart;
    const cpu = process.cpuUsage(cpuBefore);
    const maxRssKb = process.resourceUsage().maxRSS;

    if (request.kind === "library" && request.recordFile) {
        const recorded: RecordedGraph = { resources: result.resources, outputs: result.outputs, declaredProperties: Object.fromEntries(declared!) };
        fs.writeFileSync(request.recordFile, JSON.stringify(recorded));
    }
    const types = new Map<string, number>();
    for (const r of result.resources) types.set(r.type, (types.get(r.type) ?? 0) + 1);
    return {
        kind: request.kind,
        resources: result.resources.length,
        custom: result.resources.filter((r) => r.custom).length,
        types: Object.fromEntries([...types].sort((a, b) => b[1] - a[1])),
        loadMs,
        evalMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
        maxRssKb,
    };
}

process.once("message", (request: WorkerRequest) => {
    measure(request).then(
        (result) => process.send!(result, () => process.exit(0)),
        (err: unknown) => process.send!({ error: err instanceof Error ? err.stack ?? err.message : String(err) }, () => process.exit(1)),
    );
});
