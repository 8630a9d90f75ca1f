/**
 * The credential-free pull-request comment: for each stack, the policy verdict on this revision's
 * synth and the preview diff against the base branch's synth, in one Markdown document under
 * GitHub's comment limit (each stack gets an equal share for its diff detail; summaries are kept).
 *
 *   node -r ts-node/register/transpile-only tools/policy/pr-comment.ts \
 *     --head .synth --base .synth/base --stacks us-east,eu-central,apac --out comment.md
 *
 * Exit code 1 when a stack has a mandatory violation or its synth is missing (the comment is
 * written first), 0 otherwise, 2 on usage errors.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import type { SynthResult } from "../synth/mock-runtime";
import { GITHUB_COMMENT_LIMIT, diffMarkdown, diffSynth } from "../synth/compare";
import { evaluatePolicies, mandatoryViolations } from "./evaluate";
import { violationsMarkdown } from "./report";
import { stackOptions } from "./stack-options";
import { runCli } from "../run-cli";

/** Hidden marker so a CI step can find and update its own comment. */
export const COMMENT_MARKER = "<!-- agogsaas-offline-preview -->";

function readSynth(file: string): SynthResult | undefined {
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as SynthResult) : undefined;
}

export interface StackSection {
    stack: string;
    markdown: string;
    failed: boolean;
}

/** One stack's section: policy verdict, then the diff (or why there is none). */
export async function stackSection(stack: string, headDir: string, baseDir: string | undefined, projectDir: string, diffBudget: number): Promise<StackSection> {
    const head = readSynth(path.join(headDir, `${stack}.json`));
    if (head === undefined) return { stack, markdown: `### \`${stack}\`\n\n❌ No synth for this revision: the program or its config failed (see the job log).`, failed: true };
    const evaluation = await evaluatePolicies(head, stackOptions(stack, projectDir) ?? {});
    const base = baseDir === undefined ? undefined : readSynth(path.join(baseDir, `${stack}.json`));
    const diff = base === undefined
        ? `### Preview diff: \`${stack}\`\n\n_No synth of the base branch for this stack (new stack, or the base does not synthesize): ${head.resources.length} resources in this revision._`
        : diffMarkdown(diffSynth(base, head), { title: `Preview diff: \`${stack}\``, maxChars: diffBudget });
    return { stack, markdown: [diff, "", violationsMarkdown(evaluation, stack)].join("\n"), failed: mandatoryViolations(evaluation).length > 0 };
}

export async function prComment(stacks: string[], headDir: string, baseDir: string | undefined, projectDir: string): Promise<{ markdown: string; failed: boolean }> {
    const header = [COMMENT_MARKER, "## Offline preview (mock runtime, no credentials)", ""].join("\n");
    // Policy tables are small; give each stack an equal share of what is left for its diff.
    const budget = Math.floor((GITHUB_COMMENT_LIMIT - 6_000 - header.length) / Math.max(1, stacks.length));
    const sections: StackSection[] = [];
    for (const stack of stacks) sections.push(await stackSection(stack, headDir, baseDir, projectDir, budget));
    let markdown = [header, ...sections.map((s) => s.markdown)].join("\n\n");
    if (markdown.length > GITHUB_COMMENT_LIMIT) markdown = `${markdown.slice(0, GITHUB_COMMENT_LIMIT - 80)}\n\n… (truncated to fit GitHub's comment limit)`;
    return { markdown, failed: sections.some((s) => s.failed) };
}

async function main(argv: string[]): Promise<number> {
    let values: Record<string, string | boolean | undefined>;
    try {
        values = parseArgs({ args: argv, options: { head: { type: "string" }, base: { type: "string" }, stacks: { type: "string" }, out: { type: "string" }, dir: { type: "string" } } }).values;
    } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        return 2;
    }
    if (typeof values.head !== "string" || typeof values.stacks !== "string") {
        console.error("usage: pr-comment.ts --head <dir> [--base <dir>] --stacks a,b,c [--out file.md] [--dir <project dir>]");
        return 2;
    }
    const { markdown, failed } = await prComment(
        values.stacks.split(",").map((s) => s.trim()).filter(Boolean), values.head,
        typeof values.base === "string" ? values.base : undefined, typeof values.dir === "string" ? values.dir : process.cwd(),
    );
    if (typeof values.out === "string") fs.writeFileSync(values.out, `${markdown}\n`);
    else console.log(markdown);
    return failed ? 1 : 0;
}

runCli(module, main);
