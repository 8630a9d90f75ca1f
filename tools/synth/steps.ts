/**
 * Extension point of `npm run synth`: work done on the synthesized graph after the JSON is
 * written (policy evaluation, a diff against another synth file, a topology diagram, ...).
 *
 * A step is a module in `tools/synth/steps/` that exports `step: SynthStep`. The CLI loads every
 * such module (in file-name order), adds the step's options to its own, and runs the enabled
 * steps in order. Adding a step never touches the CLI.
 */
import * as fs from "fs";
import * as path from "path";
import type { SynthResult } from "./mock-runtime";

/** A command-line option a step adds, e.g. `--policy` or `--compare <file>`. */
export interface SynthOption {
    /** Long name without dashes, e.g. "compare". Must be unique across the CLI and all steps. */
    name: string;
    /** "boolean" for a flag, "string" for an option taking a value. */
    type: "boolean" | "string";
    /** One line for `--help`. */
    description: string;
    /** Placeholder shown in `--help` for string options, e.g. "file". Default "value". */
    valueName?: string;
}

/** Parsed options of the whole command line (the CLI's own and every step's). */
export type SynthOptionValues = Readonly<Record<string, string | boolean | undefined>>;

export interface SynthStepContext {
    /** The stack that was synthesized. */
    stack: string;
    /** The synthesized graph, exactly as written to `outFile`. */
    result: SynthResult;
    /** Path of the synth JSON. */
    outFile: string;
    /** Directory of `outFile`: put further artifacts beside it (e.g. `<stack>.mmd`). */
    outDir: string;
    /** Directory holding Pulumi.yaml and the stack files. */
    projectDir: string;
    options: SynthOptionValues;
    /** Prints a line of the CLI's output. */
    log(line: string): void;
}

export interface SynthStep {
    /** Short name shown in the output, e.g. "policy". */
    name: string;
    /** Options this step adds to the CLI. Default none. */
    options?: SynthOption[];
    /** Whether the step runs for these options. Default: always. */
    enabled?(options: SynthOptionValues): boolean;
    /**
     * Does the work. Return a non-zero number to make the CLI exit with it (e.g. 1 on a mandatory
     * policy violation); throwing also fails the CLI, with the message printed.
     */
    run(context: SynthStepContext): void | number | Promise<void | number>;
}

/** Directory scanned for step modules. */
export const STEPS_DIR = path.join(__dirname, "steps");

/** Loads every `steps/*.ts` (or `.js`) module exporting `step`, in file-name order. */
export function loadSteps(dir = STEPS_DIR): SynthStep[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir)
        .filter((file) => /\.(ts|js)$/.test(file) && !file.endsWith(".d.ts") && !/\.test\.(ts|js)$/.test(file))
        .sort()
        .map((file) => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const mod = require(path.join(dir, file)) as { step?: SynthStep };
            if (!mod.step || typeof mod.step.run !== "function" || typeof mod.step.name !== "string") {
                throw new Error(`${path.join(dir, file)}: a synth step module must export \`step: SynthStep\``);
            }
            return mod.step;
        });
}
