/** Messages between the benchmark driver (main.ts) and a measurement process (worker.ts). */
import type { StackCapture } from "../../sdk-internals/sdk-tuning";
import type { ReplayWiring } from "./replay";

export type MeasurementKind = "library" | "baseline";

export interface WorkerRequest {
    kind: MeasurementKind;
    project: string;
    stack: string;
    /** JSON file with the fully qualified stack config. */
    configFile: string;
    /** library: where to write the recorded graph; baseline: the graph to replay. */
    recordFile?: string;
    /** baseline: how inputs taken from other resources are replayed (bench/synth/replay.ts); default plain. */
    wiring?: ReplayWiring;
    /** Error.stackTraceLimit for the whole process; undefined = node's default (10). */
    stackTraceLimit?: number;
    /** The SDK stack-capture setting (sdk-internals/sdk-tuning.ts); undefined = its default. */
    stackCapture?: StackCapture;
}

export interface WorkerResult {
    kind: MeasurementKind;
    /** Resources registered (the stack resource excluded). */
    resources: number;
    /** Resources read rather than registered (StackReferences), not counted in `resources`. */
    reads: number;
    /** Of which custom resources (the rest are components). */
    custom: number;
    /** Count per type token, most frequent first. */
    types: Record<string, number>;
    /** Loading the program, the provider SDKs and the config. */
    loadMs: number;
    /** `synthesize`: program evaluation plus draining every registration. */
    evalMs: number;
    /** CPU time (user + system) of the evaluation. */
    cpuMs: number;
    /** Peak resident set size of the process (`process.resourceUsage().maxRSS`), KiB. */
    maxRssKb: number;
}

export interface WorkerFailure {
    error: string;
}
