/**
 * What the Pulumi Node SDK (3.248) spends per resource on stack traces, and an OPT-IN setting to
 * bound it, for the repo's own stack program only (stacks/index.ts, the synth CLI, the benchmarks).
 * The library (components/) never loads this module: it uses the public SDK API only and works
 * with any SDK in its peer range. This module patches SDK internals; it checks that they exist and
 * does nothing otherwise. Measured gain: docs/scale.md ("SDK internals", `npm run bench:sdk-internals`).
 *
 * The SDK captures stacks in two places, whatever the program does:
 * - `runtime/debuggable.js` `debuggablePromise` stores `new Error().stack` on every promise it
 *   tracks: several per resource and four per output property of a custom resource. Those stacks
 *   are read only when `PULUMI_DEBUG_PROMISE_LEAKS` is set (to print leaked promises at exit).
 * - `Resource.callsites()` raises `Error.stackTraceLimit` to Infinity and formats the full stack of
 *   every resource constructor, for the resource's source position and stack trace sent to the
 *   engine (shown by the Pulumi Cloud console). Under ts-node each formatted frame is also
 *   source-mapped, which multiplies the cost.
 *
 * `tuneSdkRegistration(mode)`:
 * - `"sdk"` (the default): the SDK's own behaviour, untouched (nothing is patched; a mode applied
 *   earlier in the process is undone).
 * - `"short"`: promise stacks are captured empty (unless PULUMI_DEBUG_PROMISE_LEAKS
 *   is set), and resource stacks are captured `SHORT_STACK_FRAMES` deep instead of without
 *   limit: the source position (the first frame in user code) and the nearest callers are kept.
 * - `"off"`: as "short", and no source position or stack trace is sent at all.
 *
 * A third per-resource cost is not a stack: after every RegisterResource and ReadResource call the
 * SDK logs `resp: ${response}` at debug level, which stringifies the whole protobuf response (the
 * resource's full state; for a dynamic resource that includes its serialised provider, 10-80 KB)
 * before the engine decides whether to keep debug output at all. In "short" and "off" modes those
 * responses describe themselves by URN and id instead (about 7 % of the regional stack's CPU at
 * 1,000 facilities, docs/scale.md); "sdk" leaves the full dump for `pulumi -v=9` debugging.
 *
 * Errors are not affected: `Error.stackTraceLimit` is changed only around those two SDK captures,
 * so an exception thrown by the program (our ValidationErrors carry their own message naming the
 * config key) keeps its full stack. The environment variable `AGOGSAAS_STACK_CAPTURE` chooses
 * the mode when the caller does not (`sdk`, `short`, `off`): `AGOGSAAS_STACK_CAPTURE=short` opts in.
 *
 * The SDK internals touched are checked when applied: on an SDK without them this does nothing
 * and says so (`applied: false`).
 */
import * as pulumi from "@pulumi/pulumi";

export const STACK_CAPTURE_MODES = ["sdk", "short", "off"] as const;
export type StackCapture = (typeof STACK_CAPTURE_MODES)[number];

/** The mode used when neither the caller nor AGOGSAAS_STACK_CAPTURE chooses one: the SDK untouched. */
export const DEFAULT_STACK_CAPTURE: StackCapture = "sdk";
/**
 * Frames captured per resource in "short" mode: the SDK's own frames (5) plus the seven nearest
 * callers (for an edge container: the resource class, the EdgeSite helper and constructor, the
 * fleet loop). Each frame becomes a file URL in the request, for 16,000 resources at 1,000 facilities.
 */
export const SHORT_STACK_FRAMES = 12;
export const STACK_CAPTURE_ENV = "AGOGSAAS_STACK_CAPTURE";

type DebuggableModule = { debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown>; debugPromiseLeaks?: boolean };
type ResponseClass = { prototype: { getUrn(): string; getId?(): string; toString(): string } };
type ResourceClass = { callsites: () => unknown[]; framePositionRegExp?: RegExp };

interface Originals {
    debuggablePromise: DebuggableModule["debuggablePromise"];
    callsites: ResourceClass["callsites"];
}
let originals: Originals | undefined;

/** Runs `fn` with Error.stackTraceLimit set to `limit`, restoring it after. */
function withStackTraceLimit<T>(limit: number, fn: () => T): T {
    const previous = Error.stackTraceLimit;
    Error.stackTraceLimit = limit;
    try {
        return fn();
    } finally {
        Error.stackTraceLimit = previous;
    }
}

/** The mode from `requested`, else AGOGSAAS_STACK_CAPTURE, else the default; throws on an unknown value. */
export function resolveStackCapture(requested?: string, env: NodeJS.ProcessEnv = process.env): StackCapture {
    const value = requested ?? env[STACK_CAPTURE_ENV] ?? DEFAULT_STACK_CAPTURE;
    if (!(STACK_CAPTURE_MODES as readonly string[]).includes(value)) {
        throw new Error(`${requested === undefined ? STACK_CAPTURE_ENV : "stack capture mode"}: unknown value ${JSON.stringify(value)}. Allowed: ${STACK_CAPTURE_MODES.join(", ")}`);
    }
    return value as StackCapture;
}

/**
 * Applies the stack-capture mode to the loaded Pulumi SDK (idempotent; a later call switches the
 * mode). Returns the mode in effect and whether the SDK had the internals it adjusts.
 */
export function tuneSdkRegistration(requested?: StackCapture): { mode: StackCapture; applied: boolean } {
    const mode = resolveStackCapture(requested);
    // Nothing patched yet and nothing asked for: touch nothing at all.
    if (mode === "sdk" && originals === undefined) return { mode, applied: false };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as DebuggableModule;
    const resource = pulumi.Resource as unknown as ResourceClass;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const proto = require("@pulumi/pulumi/proto/resource_pb") as Record<string, ResponseClass | undefined>;
    const responses = [proto.RegisterResourceResponse, proto.ReadResourceResponse];
    if (typeof debuggable.debuggablePromise !== "function" || typeof resource.callsites !== "function" || !(resource.framePositionRegExp instanceof RegExp)
        || responses.some((r) => typeof r?.prototype.getUrn !== "function")) {
        return { mode, applied: false };
    }
    originals ??= { debuggablePromise: debuggable.debuggablePromise, callsites: resource.callsites };
    const { debuggablePromise, callsites } = originals;

    if (mode === "sdk") {
        debuggable.debuggablePromise = debuggablePromise;
        resource.callsites = callsites;
        // The responses' own toString is inherited from the protobuf message class.
        for (const response of responses) delete (response!.prototype as { toString?: unknown }).toString;
        return { mode, applied: true };
    }
    for (const response of responses) response!.prototype.toString = describeResponse;
    // The promise stacks are only ever printed with PULUMI_DEBUG_PROMISE_LEAKS: keep them then.
    debuggable.debuggablePromise = debuggable.debugPromiseLeaks
        ? debuggablePromise
        : (p, ctx) => withStackTraceLimit(0, () => debuggablePromise(p, ctx));
    resource.callsites = mode === "off" ? () => [] : shortCallsites;
    return { mode, applied: true };
}

/** A registration response as the SDK's debug log line shows it in "short"/"off" modes. */
function describeResponse(this: ResponseClass["prototype"]): string {
    return `{ urn: ${this.getUrn()}${typeof this.getId === "function" ? `, id: ${this.getId()}` : ""} }`;
}

type Callsite = { file?: string; line?: number; column?: number };

/**
 * The SDK's `Resource.callsites()` with a bounded depth: the same frames (index 0 is this
 * function, as in the SDK's, so the SDK's own `skip` still lands on the user's frame) parsed the
 * same way, but at most SHORT_STACK_FRAMES of them captured and formatted.
 */
function shortCallsites(): Callsite[] {
    const previous = Error.stackTraceLimit;
    Error.stackTraceLimit = SHORT_STACK_FRAMES;
    let stack: string | undefined;
    try {
        stack = new Error().stack;
    } finally {
        Error.stackTraceLimit = previous;
    }
    const framePosition = (pulumi.Resource as unknown as ResourceClass).framePositionRegExp!;
    return (stack ?? "").split("\n").slice(1).map((frame): Callsite => {
        const { file, line, column } = framePosition.exec(frame)?.groups ?? {};
        if (!file || !line || !column || file.startsWith("node:")) return {};
        const position = { file, line: parseInt(line, 10), column: parseInt(column, 10) };
        return Number.isNaN(position.line) || Number.isNaN(position.column) ? {} : position;
    });
}
