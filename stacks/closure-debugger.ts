/**
 * The Pulumi Node SDK (3.248) serialises a dynamic provider's code with the V8 inspector: the first
 * serialisation opens an inspector session and enables its `Debugger` domain (to learn each
 * script's file from `Debugger.scriptParsed`), and never turns it off. With the debugger enabled
 * V8 runs everything after it slower and keeps more memory; the SDK makes a dozen promises per
 * resource, so a program with one dynamic resource pays for it on every resource after.
 * Measured on the us-east stack, inline, 300 facilities (docs/scale.md): 10.8 s and 733 MiB
 * with the debugger left on, 9.5 s and 576 MiB with it turned off between serialisations.
 *
 * `releaseClosureDebugger(true)` wraps the SDK's `serializeFunction` so that the `Debugger` domain
 * is enabled only while a serialisation runs: enabled before one starts (V8 then reports every
 * script parsed so far again, so the SDK's script map also learns the modules loaded in between),
 * disabled when the last one in flight ends. The serialised text is the same either way (tested).
 * `releaseClosureDebugger(false)` restores the SDK's own function.
 *
 * The SDK internals touched are checked: on an SDK without them this does nothing and returns false.
 */
import type { Session } from "inspector";

type SerializeFunction = (...args: unknown[]) => Promise<unknown>;
type SerializeClosureModule = { serializeFunction: SerializeFunction };
type V8HooksModule = { getSessionAsync: () => Promise<Session> };

let original: SerializeFunction | undefined;
let inFlight = 0;
/** What the session was last told (the SDK enables the domain when it creates the session). */
let enabled = true;
/** Enable/disable requests, in order: a serialisation starting right after another ended waits for the re-enable. */
let switching: Promise<void> = Promise.resolve();

function sdkModules(): { closure: SerializeClosureModule; hooks: V8HooksModule } | undefined {
    try {
        /* eslint-disable @typescript-eslint/no-require-imports */
        const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as SerializeClosureModule;
        const hooks = require("@pulumi/pulumi/runtime/closure/v8Hooks") as V8HooksModule;
        /* eslint-enable @typescript-eslint/no-require-imports */
        return typeof closure.serializeFunction === "function" && typeof hooks.getSessionAsync === "function" ? { closure, hooks } : undefined;
    } catch {
        return undefined;
    }
}

function setDebugger(hooks: V8HooksModule, on: boolean): Promise<void> {
    if (enabled === on) return switching;
    enabled = on;
    // A failed switch does not block later ones; the caller of this one sees its error.
    switching = switching.catch(() => undefined).then(async () => {
        const session = await hooks.getSessionAsync();
        await new Promise<void>((resolve, reject) => session.post(on ? "Debugger.enable" : "Debugger.disable", (err) => (err ? reject(err) : resolve())));
    });
    return switching;
}

/** Keeps the SDK's inspector `Debugger` domain enabled only during closure serialisation (`release`), or restores the SDK's behaviour. */
export function releaseClosureDebugger(release: boolean): boolean {
    const sdk = sdkModules();
    if (!sdk) return false;
    const { closure, hooks } = sdk;
    original ??= closure.serializeFunction;
    const serialize = original;
    if (!release) {
        closure.serializeFunction = serialize;
        return true;
    }
    closure.serializeFunction = async function (this: unknown, ...args: unknown[]) {
        inFlight++;
        try {
            await setDebugger(hooks, true);
            return await serialize.apply(this, args);
        } finally {
            inFlight--;
            // Left enabled if this fails: slower, never wrong.
            if (inFlight === 0) await setDebugger(hooks, false).catch(() => undefined);
        }
    };
    return true;
}
