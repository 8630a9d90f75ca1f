// Entry point for the Pulumi CLI (package.json "main"): the program lives in program.ts so tests
// and the offline synth run exactly the same code.
import { runStack } from "./program";

export = runStack();
