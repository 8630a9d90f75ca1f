/**
 * The Pulumi Node SDK (3.248) serialises a dynamic provider's code with the V8 inspector. On the
 * first serialisation it opens an inspector session and enables its `Debugger` domain, only to
 * learn each script's file name from `Debugger.scriptParsed` — a name it uses for nothing but the
 * text of an error about a function it cannot serialise. Enabling the domain costs twice:
 * - V8 reports every script loaded so far (this program loads about 1,700 modules, @pulumi/aws
 *   alone 300): about 0.35 s per run;
 * - the domain is never turned off, and with the debugger enabled V8 runs everything after it
 *   slower and keeps more memory: the us-east stack, inline, 300 facilities, took 10.8 s and
 *   733 MiB with it on, 9.5 s and 576 MiB with it off (docs/scale.md).
 *
 * `skipClosureDebugger(true)` gives the SDK's serialiser a session of its own without the
 * `Debugger` domain (it needs only `Runtime`: function scopes and locations). The serialised text
 * is the same (tested); an error about an unserialisable function still names the function and
 * shows its code, without its file and line. `skipClosureDebugger(false)` restores the SDK's
 * session (`AGOGSAAS_STACK_CAPTURE=sdk` does, see sdk-internals/sdk-tuning.ts).
 *
 * The SDK internals touched are checked: on an SDK without them this does nothing and returns false.
 */
import * as inspector from "inspector";

type V8HooksModule = { getSessionAsync: () => Promise<inspector.Session> };

let original: V8HooksModule["getSessionAsync"] | undefined;
let session: inspector.Session | undefined;

function v8Hooks(): V8HooksModule | undefined {
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const hooks = require("@pulumi/pulumi/runtime/closure/v8Hooks") as V8HooksModule;
        return typeof hooks.getSessionAsync === "function" ? hooks : undefined;
    } catch {
        return undefined;
    }
}

/** Serialise closures without the inspector's Debugger domain (`skip`), or as the SDK does. */
export function skipClosureDebugger(skip: boolean): boolean {
    const hooks = v8Hooks();
    if (!hooks) return false;
    original ??= hooks.getSessionAsync;
    hooks.getSessionAsync = skip
        ? async () => {
            if (!session) {
                session = new inspector.Session();
                session.connect();
            }
            return session;
        }
        : original;
    return true;
}
