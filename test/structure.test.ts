/**
 * The layout's rules (docs/architecture.md), kept by tools: dependency-cruiser with
 * .dependency-cruiser.cjs (no import cycles, the library never imports stacks/tools/ops/bench,
 * provider runtime never imports resource classes, SDK internals fenced) and jscpd with
 * .jscpd.json (no duplicated code). Each rule is also shown to bite on a small tree of its own.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { graphDifferences } from "../tools/synth/same-graph";
import type { SynthResource, SynthResult } from "../tools/synth/mock-runtime";
import { SovereigntyError, ValidationError } from "../components/shared/errors";
import { rekeyError } from "../stacks/rekey";

const ROOT = path.resolve(__dirname, "..");
const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);
const LAYERS = ["components", "provider", "stacks", "tools", "policy", "bench", "ops", "sdk-internals", "test"];

function run(cmd: string, args: string[], cwd: string) {
    const r = spawnSync(bin(cmd), args, { cwd, encoding: "utf8" });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A throw-away tree with the repo's rule files and the given sources. */
function tree(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-structure-"));
    fs.copyFileSync(path.join(ROOT, ".dependency-cruiser.cjs"), path.join(dir, ".dependency-cruiser.cjs"));
    fs.copyFileSync(path.join(ROOT, ".jscpd.json"), path.join(dir, ".jscpd.json"));
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs", target: "es2022" } }));
    for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    }
    return dir;
}

describe("structure", function () {
    this.timeout(120_000);

    describe("dependency rules (dependency-cruiser, .dependency-cruiser.cjs)", () => {
        it("the repository breaks none: no import cycle, the library stands alone, providers never import resources", () => {
            const r = run("depcruise", ["--config", ".dependency-cruiser.cjs", ...LAYERS], ROOT);
            assert.strictEqual(r.status, 0, r.output);
            assert.match(r.output, /no dependency violations found \((\d+) modules/);
            assert.ok(Number(/\((\d+) modules/.exec(r.output)![1]) > 250, "every layer was cruised");
        });

        it("each rule bites", () => {
            const dir = tree({
                "components/uses-stack.ts": `import { x } from "../stacks/program";\nexport const y = x;\n`,
                "stacks/program.ts": `export const x = 1;\n`,
                "components/cycle-a.ts": `import { b } from "./cycle-b";\nexport const a = () => b;\n`,
                "components/cycle-b.ts": `import { a } from "./cycle-a";\nexport const b = () => a;\n`,
                "components/thing/providers/runtime.ts": `import { Thing } from "../thing";\nexport const p = Thing;\n`,
                "components/thing/thing.ts": `export class Thing {}\n`,
                "components/uses-internals.ts": `import { z } from "../sdk-internals/patch";\nexport const w = z;\n`,
                "sdk-internals/patch.ts": `export const z = 1;\n`,
                "components/uses-sdk-runtime.ts": `import { debuggablePromise } from "@pulumi/pulumi/runtime/debuggable";\nimport * as pulumi from "@pulumi/pulumi";\nexport const d = [debuggablePromise, pulumi];\n`,
                "components/thing/providers/uses-sdk.ts": `import * as pulumi from "@pulumi/pulumi";\nexport const q = pulumi;\n`,
                "node_modules/@pulumi/pulumi/package.json": `{ "name": "@pulumi/pulumi", "main": "index.js" }\n`,
                "node_modules/@pulumi/pulumi/index.js": `exports.x = 1;\n`,
                "node_modules/@pulumi/pulumi/runtime/debuggable.js": `exports.debuggablePromise = 1;\n`,
                "stacks/uses-tool.ts": `import { t } from "../tools/dev";\nexport const u = t;\n`,
                "tools/dev.ts": `export const t = 1;\n`,
                "provider/serves-class.ts": `import { Thing } from "../components/thing/thing";\nexport const s = Thing;\n`,
            });
            try {
                const r = run("depcruise", ["--config", ".dependency-cruiser.cjs", "components", "provider", "stacks", "tools", "sdk-internals"], dir);
                assert.notStrictEqual(r.status, 0, r.output);
                for (const rule of ["no-circular", "library-stands-alone", "providers-never-import-resources", "providers-without-pulumi-runtime", "plugin-serves-providers-only", "sdk-internals-fenced", "library-public-sdk-only", "stacks-not-on-tools"]) {
                    assert.match(r.output, new RegExp(`error ${rule}:`), `${rule} in:\n${r.output}`);
                }
                // The SDK's public index is allowed: only the internal module is reported.
                assert.strictEqual((r.output.match(/error library-public-sdk-only:/g) ?? []).length, 1, r.output);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("duplicate code (jscpd, .jscpd.json)", () => {
        it("the repository has no duplicated block at the threshold kept in .jscpd.json", () => {
            const r = run("jscpd", ["--config", ".jscpd.json"], ROOT);
            assert.strictEqual(r.status, 0, r.output);
        });

        it("a duplicated block fails the check", () => {
            const block = Array.from({ length: 8 }, (_, i) => `    if (value === ${i}) total += compute(value, ${i}, "branch-${i}", options.scale * ${i});`).join("\n");
            const source = (name: string) => `export function ${name}(value: number, options: { scale: number }, compute: (...a: unknown[]) => number): number {\n    let total = 0;\n${block}\n    return total;\n}\n`;
            const everyPath = (JSON.parse(fs.readFileSync(path.join(ROOT, ".jscpd.json"), "utf8")) as { path: string[] }).path;
            const dir = tree({ ...Object.fromEntries(everyPath.map((p) => [`${p}/empty.ts`, "export {};\n"])), "components/a.ts": source("first"), "components/b.ts": source("second") });
            try {
                const r = run("jscpd", ["--config", ".jscpd.json"], dir);
                assert.notStrictEqual(r.status, 0, r.output);
                assert.match(r.output, /Clone found/);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("the same-graph comparison (tools/synth/same-graph.ts)", () => {
        const resource = (urn: string, inputs: Record<string, unknown>): SynthResource => ({
            urn, type: "t", name: urn, custom: true, inputs, secretPaths: [], dependencies: [], aliases: [], ignoreChanges: [], retainOnDelete: false, protect: false,
        } as unknown as SynthResource);
        const result = (...resources: SynthResource[]): SynthResult => ({ project: "p", stack: "s", resources, outputs: {}, secretOutputs: [] } as unknown as SynthResult);

        it("reports an added, a removed and a changed resource, by URN and input key", () => {
            const base = result(resource("urn:a", { size: 1 }), resource("urn:b", {}));
            const head = result(resource("urn:a", { size: 2 }), resource("urn:c", {}));
            assert.deepStrictEqual(graphDifferences(base, head).sort(), ["+ urn:c", "- urn:b", "~ urn:a: inputs.size"]);
        });

        it("ignores only the serialised provider code", () => {
            const base = result(resource("urn:a", { __provider: "exports.handler = a", __kind: "publication" }));
            assert.deepStrictEqual(graphDifferences(base, result(resource("urn:a", { __provider: "exports.handler = b", __kind: "publication" }))), []);
            assert.deepStrictEqual(graphDifferences(base, result(resource("urn:a", { __provider: "exports.handler = a", __kind: "subscription" }))), ["~ urn:a: inputs.__kind"]);
        });
    });

    describe("errors carry their field and problem", () => {
        it("a stack re-keys a component error by its field: same class, problem and allowed values", () => {
            const err = new SovereigntyError("database.standbyRegion", "is in zone apac, the stack in zone eu", "a region of zone eu");
            const rekeyed = rekeyError(err, { "database.standbyRegion": "agogsaas:databaseStandbyRegion" }, "RegionalCluster args ");
            assert.ok(rekeyed instanceof SovereigntyError);
            assert.strictEqual(rekeyed.field, "agogsaas:databaseStandbyRegion");
            assert.strictEqual(rekeyed.problem, err.problem);
            assert.strictEqual(rekeyed.allowed, err.allowed);
            assert.strictEqual(rekeyed.message, "agogsaas:databaseStandbyRegion: is in zone apac, the stack in zone eu. Allowed: a region of zone eu");
            const unmapped = rekeyError(new ValidationError("port", "must be a TCP port"), {}, "EdgeSite ");
            assert.strictEqual(unmapped.message, "EdgeSite port: must be a TCP port");
            assert.ok(!(unmapped instanceof SovereigntyError));
        });
    });

    describe("the public barrel (components/index.ts)", () => {
        it("exports the five components, their args' validation, the rules and the errors", () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const library = require("../components") as typeof import("../components");
            for (const component of [library.EdgeSite, library.RegionalCluster, library.BlueGreenPair, library.FederationGateway, library.ReplicationMesh]) {
                assert.ok(component.prototype instanceof pulumi.ComponentResource, component.name);
            }
            assert.strictEqual(typeof library.validateEdgeSiteArgs, "function");
            assert.strictEqual(typeof library.sovereignty.assertTablesMayFlow, "function");
            assert.deepStrictEqual([...library.ZONES].sort(), ["apac", "eu", "us"]);
            assert.ok(new library.SovereigntyError("f", "p") instanceof library.ValidationError);
        });

        it("has no side effect on import: no resource, no SDK patch", () => {
            const script = [
                "const before = new Set(Object.keys(require.cache));",
                "require('./components');",
                "const loaded = Object.keys(require.cache).filter((f) => !before.has(f));",
                "const patches = loaded.filter((f) => /[\\\\/]sdk-internals[\\\\/]/.test(f) || /[\\\\/]stacks[\\\\/]/.test(f));",
                "console.log(JSON.stringify({ patches, stack: require('@pulumi/pulumi').runtime.getStackResource?.() ?? null }));",
            ].join("\n");
            const r = spawnSync(process.execPath, ["--conditions=agogsaas-source", "-r", "ts-node/register/transpile-only", "-e", script], { cwd: ROOT, encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
            assert.deepStrictEqual(JSON.parse(r.stdout.trim().split("\n").pop()!), { patches: [], stack: null });
        });
    });
});
