/**
 * promtool (built from the Go module proxy by tools/promtool/install.sh) for the rule tests:
 * where it is, how to run `check rules` / `test rules` on files written to a temp directory, and
 * the expected text of an annotation for a given alert instance.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";

const ROOT = path.join(__dirname, "..", "..");

/** Path of the promtool binary (builds it on first use; cached outside the checkout). */
export function promtoolPath(): string {
    const out = execFileSync("bash", [path.join(ROOT, "tools", "promtool", "install.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    return out.trim().split("\n").pop()!;
}

export interface PromtoolRun { status: number | null; output: string }

/** Writes `files` (name -> object, as YAML) into a fresh temp dir and runs promtool there with `args`. */
export function runPromtool(promtool: string, files: Record<string, unknown>, args: string[]): PromtoolRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-promtool-"));
    try {
        for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), stringify(content, { lineWidth: 0 }));
        const result = spawnSync(promtool, args, { cwd: dir, encoding: "utf8" });
        return { status: result.status, output: `${result.stdout}${result.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * The text Prometheus renders for an annotation template of ours: only the two forms the rules
 * use, `{{ $labels.<name> }}` and `{{ printf "%.<n>f" $value }}`; anything else is refused so a
 * new form cannot pass unchecked.
 */
export function renderAnnotation(template: string, labels: Record<string, string>, value: number): string {
    const rendered = template
        .replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, name: string) => {
            if (!(name in labels)) throw new Error(`annotation uses label ${name}, which the test alert does not have: ${template}`);
            return labels[name];
        })
        .replace(/\{\{ printf "%\.(\d)f" \$value \}\}/g, (_, digits: string) => value.toFixed(Number(digits)));
    if (rendered.includes("{{")) throw new Error(`annotation template form not known to the test: ${template}`);
    return rendered;
}
