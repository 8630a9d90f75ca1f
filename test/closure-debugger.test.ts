/**
 * stacks/closure-debugger.ts: the inspector's Debugger domain is on only while the SDK serialises a
 * closure, the serialised text is the same as with the SDK's own function, and a module loaded
 * while the debugger was off is still located (its script reported again on re-enable).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Session } from "inspector";
import { releaseClosureDebugger } from "../stacks/closure-debugger";

/* eslint-disable @typescript-eslint/no-require-imports */
const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as { serializeFunction: (f: () => unknown, args?: object) => Promise<{ text: string }> };
const hooks = require("@pulumi/pulumi/runtime/closure/v8Hooks") as { getSessionAsync: () => Promise<Session> };
const v8 = require("@pulumi/pulumi/runtime/closure/v8") as { getFunctionLocationAsync: (f: () => unknown) => Promise<{ file: string }> };
/* eslint-enable @typescript-eslint/no-require-imports */

const greeting = "hello";
const provider = { async create(inputs: { name: string }) { return { id: `${greeting}-${inputs.name}`, outs: inputs }; } };

describe("closure debugger (stacks/closure-debugger.ts)", () => {
    let posted: string[] = [];
    let session: Session;
    let originalPost: Session["post"];

    before(async () => {
        session = await hooks.getSessionAsync();
        originalPost = session.post;
        session.post = function (this: Session, method: string, ...rest: unknown[]) {
            posted.push(method);
            return (originalPost as (...args: unknown[]) => void).call(this, method, ...rest);
        } as Session["post"];
    });
    after(() => {
        session.post = originalPost;
        releaseClosureDebugger(false);
    });
    beforeEach(() => { posted = []; });

    it("serialises the same text, and turns the debugger off after each serialisation and on before the next", async () => {
        assert.strictEqual(releaseClosureDebugger(false), true);
        const sdkText = (await closure.serializeFunction(() => provider, { allowSecrets: true })).text;
        assert.ok(sdkText.includes("hello"), "the captured constant is serialised");
        assert.ok(!posted.includes("Debugger.disable"), "the SDK's own function leaves the debugger on");

        assert.strictEqual(releaseClosureDebugger(true), true);
        posted = [];
        const first = (await closure.serializeFunction(() => provider, { allowSecrets: true })).text;
        assert.strictEqual(first, sdkText);
        assert.strictEqual(posted[posted.length - 1], "Debugger.disable", posted.join(", "));

        posted = [];
        const second = (await closure.serializeFunction(() => provider, { allowSecrets: true })).text;
        assert.strictEqual(second, sdkText);
        assert.strictEqual(posted[0], "Debugger.enable", `the debugger is back on before the inspector is asked anything: ${posted.join(", ")}`);
        assert.strictEqual(posted[posted.length - 1], "Debugger.disable");
    });

    it("keeps the debugger on while serialisations overlap, off once the last ends", async () => {
        releaseClosureDebugger(true);
        await closure.serializeFunction(() => provider);
        posted = [];
        await Promise.all([closure.serializeFunction(() => provider), closure.serializeFunction(() => greeting), closure.serializeFunction(() => provider)]);
        assert.deepStrictEqual(posted.filter((m) => m.startsWith("Debugger.")), ["Debugger.enable", "Debugger.disable"]);
    });

    it("locates a function of a module loaded while the debugger was off", async () => {
        releaseClosureDebugger(true);
        await closure.serializeFunction(() => provider);
        assert.strictEqual(posted[posted.length - 1], "Debugger.disable");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "closure-debugger-"));
        const file = path.join(dir, "late-module.js");
        fs.writeFileSync(file, "exports.late = function late() { return 42; };\n");
        try {
            const { late } = require(file) as { late: () => number };
            await closure.serializeFunction(() => late);
            const { file: located } = await v8.getFunctionLocationAsync(late);
            assert.ok(located.endsWith("late-module.js"), `located at "${located}"`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
