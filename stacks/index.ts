// Entry point for the Pulumi CLI (package.json "main"): the program lives in program.ts so tests
// and the offline synth run exactly the same code.
import { runStack } from "./program";
import { reportedError } from "./program-error";
import { tuneSdkRegistration } from "../sdk-internals/sdk-tuning";

// Bounded SDK stack capture (AGOGSAAS_STACK_CAPTURE=sdk restores the SDK's own; see sdk-internals/sdk-tuning.ts).
tuneSdkRegistration();

export = (async () => runStack())().catch((error: unknown) => { throw reportedError(error); });
