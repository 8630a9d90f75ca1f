/**
 * `npm run synth:same-graph -- --base <git revision>`: proves a refactor left the infrastructure
 * alone. Synthesises every stack (`Pulumi.<stack>.yaml`), as `pulumi up` and as `pulumi preview`
 * run it, once in a worktree of the base revision and once in this checkout, and compares the two
 * resource graphs: every URN, type, parent, input, secret path, dependency, alias and option.
 * Exit 0 when all are equal; 1 with the differences listed.
 *
 * One input is left out: a dynamic resource's `__provider`, the provider's serialised source text.
 * It changes with any edit of provider code (a moved file, a renamed helper), the engine does not
 * diff it (the provider's `diff` decides), and the state stores the new text on the next update.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { listStacks } from "./stack-config";
import type { SynthResource, SynthResult } from "./mock-runtime";
import { runCli } from "../run-cli";

const PROVIDER_CODE_KEY = "__provider";
/** The local stack's program reads its servers' password from the environment; any value synthesises. */
const SYNTH_ENV = { AGOGSAAS_LOCAL_PG_PASSWORD: "synth-same-graph" };
const MODES = [{ name: "up", flags: [] as string[] }, { name: "preview", flags: ["--preview"] }];

/** A synth result keyed by URN, `__provider` replaced by a marker. */
export function comparableGraph(result: SynthResult): Map<string, SynthResource> {
    const byUrn = new Map<string, SynthResource>();
    for (const resource of result.resources) {
        const inputs = { ...(resource.inputs as Record<string, unknown>) };
        if (typeof inputs[PROVIDER_CODE_KEY] === "string") inputs[PROVIDER_CODE_KEY] = "<serialised provider code>";
        byUrn.set(resource.urn, { ...resource, inputs });
    }
    return byUrn;
}

/** Differences between two graphs, one line each ("+ urn", "- urn", "~ urn: field"). */
export function graphDifferences(base: SynthResult, head: SynthResult): string[] {
    const before = comparableGraph(base);
    const after = comparableGraph(head);
    const lines: string[] = [];
    for (const urn of before.keys()) if (!after.has(urn)) lines.push(`- ${urn}`);
    for (const [urn, resource] of after) {
        const old = before.get(urn);
        if (old === undefined) { lines.push(`+ ${urn}`); continue; }
        const fields = new Set([...Object.keys(old), ...Object.keys(resource)]) as Set<keyof SynthResource>;
        for (const field of fields) {
            if (field === "inputs") {
                const keys = new Set([...Object.keys(old.inputs ?? {}), ...Object.keys(resource.inputs ?? {})]);
                for (const key of keys) {
                    const a = JSON.stringify((old.inputs as Record<string, unknown>)[key]);
                    const b = JSON.stringify((resource.inputs as Record<string, unknown>)[key]);
                    if (a !== b) lines.push(`~ ${urn}: inputs.${key}`);
                }
            } else if (JSON.stringify(old[field]) !== JSON.stringify(resource[field])) {
                lines.push(`~ ${urn}: ${field}`);
            }
        }
    }
    if (JSON.stringify(base.outputs) !== JSON.stringify(head.outputs)) lines.push("~ stack outputs");
    if (JSON.stringify(base.secretOutputs) !== JSON.stringify(head.secretOutputs)) lines.push("~ stack secret outputs");
    return lines;
}

function synth(tree: string, stack: string, flags: string[], out: string): SynthResult {
    const r = spawnSync(process.execPath, ["--conditions=agogsaas-source", "-r", "ts-node/register/transpile-only", "tools/synth/cli.ts", "--stack", stack, "--out", out, "--quiet", ...flags], {
        cwd: tree, env: { ...process.env, ...SYNTH_ENV }, encoding: "utf8",
    });
    // A post-synth step may fail after the JSON is written (the topology diagram in preview mode).
    if (!fs.existsSync(out)) throw new Error(`synth of ${stack} ${flags.join(" ")} in ${tree} failed:\n${r.stdout}${r.stderr}`);
    return JSON.parse(fs.readFileSync(out, "utf8")) as SynthResult;
}

async function main(argv: string[]): Promise<number> {
    const { values } = parseArgs({ args: argv, options: { base: { type: "string" }, help: { type: "boolean" } } });
    if (values.help || values.base === undefined) {
        console.log("usage: npm run synth:same-graph -- --base <git revision>");
        return values.help ? 0 : 2;
    }
    const root = path.resolve(__dirname, "../..");
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-same-graph-"));
    const baseTree = path.join(work, "base");
    execFileSync("git", ["worktree", "add", "--detach", "--quiet", baseTree, values.base], { cwd: root });
    try {
        fs.symlinkSync(path.join(root, "node_modules"), path.join(baseTree, "node_modules"));
        let differing = 0;
        const stacks = [...new Set([...listStacks(baseTree), ...listStacks(root)])];
        for (const stack of stacks) {
            for (const mode of MODES) {
                const base = synth(baseTree, stack, mode.flags, path.join(work, `${stack}.${mode.name}.base.json`));
                const head = synth(root, stack, mode.flags, path.join(work, `${stack}.${mode.name}.head.json`));
                const lines = graphDifferences(base, head);
                console.log(`${stack} (${mode.name}): ${head.resources.length} resources, ${lines.length === 0 ? "identical" : `${lines.length} differences`}`);
                for (const line of lines.slice(0, 40)) console.log(`    ${line}`);
                if (lines.length > 40) console.log(`    ... ${lines.length - 40} more`);
                if (lines.length > 0) differing++;
            }
        }
        console.log(differing === 0 ? `same graph as ${values.base}: every URN and input equal` : `${differing} stack graphs differ from ${values.base}`);
        return differing === 0 ? 0 : 1;
    } finally {
        execFileSync("git", ["worktree", "remove", "--force", baseTree], { cwd: root });
        fs.rmSync(work, { recursive: true, force: true });
    }
}

runCli(module, main);
