/**
 * `npm run synth -- --stack <name> --compare <base synth.json> [--compare-out <file.md>]`: prints
 * (or writes) the Markdown preview diff between the base revision's graph and this one, ready for
 * a pull-request comment (see tools/synth/compare.ts).
 */
import * as fs from "fs";
import type { SynthResult } from "../mock-runtime";
import { diffMarkdown, diffSynth } from "../compare";
import type { SynthStep } from "../steps";

export const step: SynthStep = {
    name: "compare",
    options: [
        { name: "compare", type: "string", valueName: "file", description: "print a Markdown diff against another synth JSON (e.g. the base branch's)" },
        { name: "compare-out", type: "string", valueName: "file", description: "write the --compare Markdown to this file instead of printing it" },
    ],
    enabled: (options) => typeof options.compare === "string",
    run: ({ result, options, log }) => {
        const base = JSON.parse(fs.readFileSync(String(options.compare), "utf8")) as SynthResult;
        const markdown = diffMarkdown(diffSynth(base, result), { title: `Preview diff: \`${result.stack}\`` });
        if (typeof options["compare-out"] === "string") {
            fs.writeFileSync(options["compare-out"], `${markdown}\n`);
            log(`\nWrote ${options["compare-out"]}`);
        } else {
            log("");
            log(markdown);
        }
    },
};
