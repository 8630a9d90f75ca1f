/**
 * Engine test 8: the offline synth (mock runtime) and the real engine's `pulumi preview --json`
 * see the same `local` stack: the same set of URNs, and for each resource the same inputs (secret
 * values aside, compared as "[secret]"; values unknown during a preview compared as "[unknown]").
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runStack } from "../../stacks/program";
import { LOCAL_PASSWORD_ENV } from "../../stacks/local";
import { synthesize } from "../../tools/synth/mock-runtime";
import { loadStackConfigFiles } from "../../tools/synth/stack-config";
import { LocalStack, LOCAL_CONFIG_FILE } from "../../tools/engine/local-stack";
import { previewSteps } from "../support/local-engine";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Secrets and unknowns in one comparable spelling. */
function normalise(value: unknown): unknown {
    if (value === UNKNOWN) return "[unknown]";
    if (value === "[secret]") return "[secret]";
    if (Array.isArray(value)) return value.map(normalise);
    if (value && typeof value === "object") {
        if (SECRET_SIG in value) return "[secret]";
        return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, normalise(v)]));
    }
    return value;
}

describe("real engine: the offline synth agrees with pulumi preview --json (local stack)", function () {
    this.timeout(180_000);
    const password = "synth-agreement-only";
    let dir: string;
    before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-synth-engine-")); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("8. same URNs and the same inputs for every resource", async () => {
        const loaded = loadStackConfigFiles("local", path.dirname(LOCAL_CONFIG_FILE));
        const previous = process.env[LOCAL_PASSWORD_ENV];
        process.env[LOCAL_PASSWORD_ENV] = password;
        let synth;
        try {
            synth = await synthesize({ project: loaded.project, stack: "local", config: loaded.config, secretKeys: loaded.secretKeys, preview: true, program: runStack });
        } finally {
            if (previous === undefined) delete process.env[LOCAL_PASSWORD_ENV]; else process.env[LOCAL_PASSWORD_ENV] = previous;
        }
        const stack = new LocalStack({ stateDir: path.join(dir, "state"), password });
        await stack.init();
        const preview = await stack.preview(["--json"]);
        const engine = new Map(previewSteps(preview.stdout)
            .filter((s) => !s.urn.includes("::pulumi:pulumi:Stack::") && !s.urn.includes("::pulumi:providers:"))
            .map((s) => [s.urn, (s as unknown as { newState: { inputs: Record<string, unknown> } }).newState.inputs]));
        const synthesised = new Map(synth.resources.map((r) => [r.urn, r.inputs]));

        assert.ok(engine.size > 30, `the engine previewed ${engine.size} resources`);
        assert.deepStrictEqual([...synthesised.keys()].sort(), [...engine.keys()].sort());
        for (const [urn, inputs] of engine) {
            assert.deepStrictEqual(normalise(synthesised.get(urn) ?? {}), normalise(inputs ?? {}), urn);
        }
    });
});
