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
import type { RecordedGraph, RecordedRead } from "./replay";

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

/**
 * Records the resources the program reads (the mock monitor's `readResource`: StackReferences)
 * and, per StackReference, the outputs fetched from it. The synth result lists only registered
 * resources; the replay needs the reads too, so that the baseline does the same kinds of work.
 */
function recordReads(): () => RecordedRead[] {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: { prototype: { readResource: (req: any, cb: (err: any, res: any) => void) => Promise<void> } } };
    const { unwrapSerialised } = require("../../tools/synth/mock-runtime") as typeof import("../../tools/synth/mock-runtime");
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const reads: RecordedRead[] = [];
    const byName = new Map<string, RecordedRead>();
    const originalRead = MockMonitor.prototype.readResource;
    MockMonitor.prototype.readResource = function (req, callback) {
        return originalRead.call(this, req, (err, response) => {
            if (!err && response) {
                const read: RecordedRead = {
                    urn: response.getUrn(), type: req.getType(), name: req.getName(), id: req.getId(),
                    parent: req.getParent() || undefined,
                    inputs: unwrapSerialised(req.getProperties()?.toJavaScript() ?? {}, "", []) as Record<string, unknown>,
                    outputNames: byName.get(req.getName())?.outputNames ?? [],
                };
                reads.push(read);
                byName.set(read.name, read);
            }
            callback(err, response);
        });
    };
    // getOutput is called before the read completes: collect the names by reference name.
    const proto = pulumi.StackReference.prototype as unknown as Record<"getOutput" | "requireOutput", (this: { __name: string }, name: unknown) => unknown>;
    for (const method of ["getOutput", "requireOutput"] as const) {
        const original = proto[method];
        proto[method] = function (name) {
            if (typeof name === "string") {
                const read = byName.get(this.__name) ?? ({ name: this.__name, outputNames: [] } as unknown as RecordedRead);
                read.outputNames.push(name);
                byName.set(this.__name, read);
            }
            return original.call(this, name);
        };
    }
    return () => reads;
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
    const { tuneSdkRegistration } = require("../../sdk-internals/sdk-tuning") as typeof import("../../sdk-internals/sdk-tuning");
    tuneSdkRegistration(request.stackCapture);

    const declared = request.kind === "library" ? recordDeclaredProperties() : undefined;
    const reads = recordReads();
    const config = JSON.parse(fs.readFileSync(request.configFile, "utf8")) as Record<string, string>;
    const program = request.kind === "library"
        ? runStack
        : replayProgram(JSON.parse(fs.readFileSync(request.recordFile!, "utf8")), request.wiring);
    const loadMs = performance.now() - loadStart;

    const cpuBefore = process.cpuUsage();
    const evalStart = performance.now();
    // Recorded as the replay needs it (which resources each input came from, additionalSecretOutputs,
    // secret values rather than placeholders), by both kinds so that recording costs both the same.
    // The record is a temporary file, removed by main.ts; the config's secrets are the mocks' fakes.
    const result = await synthesize({ project: request.project, stack: request.stack, config, program, recordForReplay: true });
    const evalMs = performance.now() - evalStart;
    const cpu = process.cpuUsage(cpuBefore);
    const maxRssKb = process.resourceUsage().maxRSS;

    if (request.kind === "library" && request.recordFile) {
        const recorded: RecordedGraph = {
            resources: result.resources, outputs: result.outputs, secretOutputs: result.secretOutputs,
            declaredProperties: Object.fromEntries(declared!), reads: reads(),
        };
        fs.writeFileSync(request.recordFile, JSON.stringify(recorded));
    }
    const types = new Map<string, number>();
    for (const r of result.resources) types.set(r.type, (types.get(r.type) ?? 0) + 1);
    return {
        kind: request.kind,
        resources: result.resources.length,
        reads: reads().length,
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
