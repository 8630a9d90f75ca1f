// Entry point for the Pulumi CLI (package.json "main"): the program lives in program.ts so tests
// and the offline synth run exactly the same code.
import { runStack } from "./program";
import { reportedError } from "./program-error";
import { STACK_CAPTURE_ENV, tuneSdkRegistration } from "../sdk-internals/sdk-tuning";

// Opt-in, for this repo's own program only: AGOGSAAS_STACK_CAPTURE=short (or off) bounds the SDK's
// per-resource stack capture by patching SDK internals (sdk-internals/sdk-tuning.ts, gain measured
// in docs/scale.md). Unset, the SDK runs as installed. The library never does this.
if (process.env[STACK_CAPTURE_ENV]) tuneSdkRegistration();

export = (async () => runStack())().catch((error: unknown) => { throw reportedError(error); });
