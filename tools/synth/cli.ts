/**
 * `npm run synth -- --stack <name> [--out <file>]`: runs the real stack program under Pulumi's
 * mock runtime with the config of `Pulumi.<name>.yaml`, writes the resource graph as JSON
 * (SynthResult, see docs/synth.md) and prints a one-screen summary. No cloud, no credentials, no
 * Pulumi CLI. Then runs the post-synth steps found in `tools/synth/steps/` (see steps.ts).
 *
 * Exit codes: 0 ok; 1 the program or config failed validation (message printed), or a step failed;
 * 2 bad command line.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { synthesize, SynthError, SynthResult } from "./mock-runtime";
import { loadStackConfigFiles, listStacks, StackConfigError } from "./stack-config";
import { formatSummary } from "./summary";
import { loadSteps, SynthOption, SynthOptionValues, SynthStep } from "./steps";
import { runStack } from "../../stacks/program";
import { tuneSdkRegistration } from "../../sdk-internals/sdk-tuning";
import { runCli } from "../run-cli";

/** The CLI's own options; steps add theirs (see steps.ts). */
const CLI_OPTIONS: SynthOption[] = [
    { name: "stack", type: "string", valueName: "name", description: "stack to synthesize (reads Pulumi.<name>.yaml); required" },
    { name: "out", type: "string", valueName: "file", description: "where to write the JSON; default .synth/<stack>.json" },
    { name: "dir", type: "string", valueName: "dir", description: "directory holding Pulumi.yaml and the stack files; default the current directory" },
    { name: "preview", type: "boolean", description: "run as `pulumi preview` (resource outputs unknown) instead of `pulumi up`" },
    { name: "quiet", type: "boolean", description: "print only errors and the path written" },
    { name: "help", type: "boolean", description: "show this help" },
];

class UsageError extends Error {}

function usage(options: SynthOption[], stacks: string[]): string {
    const lines = options.map((o) => {
        const flag = o.type === "string" ? `--${o.name} <${o.valueName ?? "value"}>` : `--${o.name}`;
        return `  ${flag.padEnd(24)} ${o.description}`;
    });
    return [
        "usage: npm run synth -- --stack <name> [options]",
        "",
        ...lines,
        "",
        `stacks here: ${stacks.length > 0 ? stacks.join(", ") : "(none)"}`,
    ].join("\n");
}

function parseCommandLine(argv: string[], options: SynthOption[]): SynthOptionValues {
    const seen = new Set<string>();
    for (const o of options) {
        if (seen.has(o.name)) throw new Error(`synth option --${o.name} is defined twice (CLI and a step, or two steps)`);
        seen.add(o.name);
    }
    try {
        const { values } = parseArgs({
            args: argv,
            options: Object.fromEntries(options.map((o) => [o.name, { type: o.type }])),
            strict: true,
            allowPositionals: false,
        });
        return values as SynthOptionValues;
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
}

/** Runs the stack program and returns the graph; config problems surface as messages. */
export async function synthStack(stack: string, projectDir: string, preview = false): Promise<SynthResult> {
    const loaded = loadStackConfigFiles(stack, projectDir);
    return synthesize({
        project: loaded.project,
        stack,
        config: loaded.config,
        secretKeys: loaded.secretKeys,
        preview,
        program: runStack,
    });
}

async function runSteps(steps: SynthStep[], options: SynthOptionValues, base: Omit<Parameters<SynthStep["run"]>[0], "options">): Promise<number> {
    let exitCode = 0;
    for (const step of steps) {
        if (step.enabled && !step.enabled(options)) continue;
        try {
            const code = await step.run({ ...base, options });
            if (typeof code === "number" && code !== 0) exitCode = Math.max(exitCode, code);
        } catch (err) {
            base.log(`error: synth step "${step.name}" failed: ${(err as Error).message}`);
            exitCode = Math.max(exitCode, 1);
        }
    }
    return exitCode;
}

export async function main(argv: string[]): Promise<number> {
    tuneSdkRegistration(); // opt-in only (AGOGSAAS_STACK_CAPTURE=short|off), as stacks/index.ts; unset it patches nothing
    const steps = loadSteps();
    const allOptions = [...CLI_OPTIONS, ...steps.flatMap((s) => s.options ?? [])];
    let options: SynthOptionValues;
    try {
        options = parseCommandLine(argv, allOptions);
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        console.error(`error: ${err.message}\n\n${usage(allOptions, listStacks())}`);
        return 2;
    }
    const projectDir = path.resolve(typeof options.dir === "string" ? options.dir : process.cwd());
    if (options.help) {
        console.log(usage(allOptions, listStacks(projectDir)));
        return 0;
    }
    const stack = options.stack;
    if (typeof stack !== "string" || stack === "") {
        console.error(`error: --stack is required\n\n${usage(allOptions, listStacks(projectDir))}`);
        return 2;
    }

    let result: SynthResult;
    try {
        result = await synthStack(stack, projectDir, options.preview === true);
    } catch (err) {
        if (err instanceof StackConfigError || err instanceof SynthError) {
            console.error(`error: stack ${stack}: ${err.message}`);
            if (err instanceof SynthError && err.partial.resources.length > 0) {
                console.error(`(${err.partial.resources.length} resource(s) had been registered before the failure)`);
            }
            return 1;
        }
        throw err;
    }

    const outFile = path.resolve(typeof options.out === "string" ? options.out : path.join(".synth", `${stack}.json`));
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);

    const log = (line: string) => console.log(line);
    if (!options.quiet) for (const line of formatSummary(result)) log(line);
    const shown = path.relative(process.cwd(), outFile);
    log(`\nWrote ${shown.startsWith("..") ? outFile : shown}`);

    return runSteps(steps, options, {
        stack, result, outFile, outDir: path.dirname(outFile), projectDir, log,
    });
}

runCli(module, main);
