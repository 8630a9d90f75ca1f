/**
 * sdk-internals/closure-debugger.ts: with `skipClosureDebugger(true)` the SDK serialises closures through
 * a session that never enables the inspector's Debugger domain, producing the same text, and an
 * error about an unserialisable function still names it; `false` restores the SDK's own session.
 */
import * as assert from "assert";
import type { Session } from "inspector";
import { skipClosureDebugger } from "../sdk-internals/closure-debugger";
import { tuneSdkRegistration } from "../sdk-internals/sdk-tuning";

/* eslint-disable @typescript-eslint/no-require-imports */
const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as { serializeFunction: (f: () => unknown, args?: object) => Promise<{ text: string }> };
const hooks = require("@pulumi/pulumi/runtime/closure/v8Hooks") as { getSessionAsync: () => Promise<Session> };
/* eslint-enable @typescript-eslint/no-require-imports */

const greeting = "hello";
const provider = { async create(inputs: { name: string }) { return { id: `${greeting}-${inputs.name}`, outs: inputs }; } };

/** Records the methods posted on the session the serialiser gets. */
async function watchPosts(): Promise<{ posted: string[]; stop: () => void }> {
    const session = await hooks.getSessionAsync();
    const original = session.post;
    const posted: string[] = [];
    session.post = function (this: Session, method: string, ...rest: unknown[]) {
        posted.push(method);
        return (original as (...args: unknown[]) => void).call(this, method, ...rest);
    } as Session["post"];
    return { posted, stop: () => { session.post = original; } };
}

describe("closure serialisation without the inspector's debugger (sdk-internals/closure-debugger.ts)", () => {
    after(() => skipClosureDebugger(false));

    it("serialises the same text as the SDK's session, without ever enabling the Debugger domain", async () => {
        assert.strictEqual(skipClosureDebugger(false), true);
        const sdkText = (await closure.serializeFunction(() => provider, { allowSecrets: true })).text;
        assert.ok(sdkText.includes(`"hello"`), "the captured constant is serialised");

        const sdkWatch = await watchPosts(); // the SDK's session, which enabled the Debugger domain when it was made

        assert.strictEqual(skipClosureDebugger(true), true);
        const watch = await watchPosts();
        try {
            const text = (await closure.serializeFunction(() => provider, { allowSecrets: true })).text;
            assert.strictEqual(text, sdkText);
            assert.ok(watch.posted.some((m) => m.startsWith("Runtime.")), `the serialiser used the session without the debugger: ${watch.posted.join(", ")}`);
            assert.deepStrictEqual(watch.posted.filter((m) => m.startsWith("Debugger.")), []);
            assert.deepStrictEqual(sdkWatch.posted, [], "and not the SDK's session");
        } finally {
            watch.stop();
            sdkWatch.stop();
        }
    });

    it("still names the function it cannot serialise", async () => {
        skipClosureDebugger(true);
        // A generator object's methods are native: the SDK refuses to serialise them.
        const generator = (function* numbers() { yield 1; })();
        const culprit = () => generator.next();
        await assert.rejects(closure.serializeFunction(() => ({ create: culprit })), /Error serializing[\s\S]*'\(\) => generator\.next\(\)': which captured\s+variable 'generator'[\s\S]*could not be serialized/);
    });

    it("is what the stack-capture modes apply: skipped in short and off, the SDK's own in sdk", async () => {
        const sdkSession = (() => { skipClosureDebugger(false); return hooks.getSessionAsync; })();
        tuneSdkRegistration("short");
        assert.notStrictEqual(hooks.getSessionAsync, sdkSession);
        tuneSdkRegistration("sdk");
        assert.strictEqual(hooks.getSessionAsync, sdkSession);
    });
});
