import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "@agogsaas/pulumi";

/**
 * The program's errors reach the engine as RunErrors whose stack holds no `node_modules` frame.
 * The SDK formats every program error with `util.inspect(err, { colors: true })` (for its trace
 * span, RunErrors too), and on Node versions with nodejs/node#64011 (20.20 here) that loops for
 * ~35 s, then runs out of string length, whenever a frame is a source-mapped SDK path such as
 * `node_modules/@pulumi/resource.ts:1598:22` (every program error has one): each refused
 * `pulumi preview` took minutes. A ValidationError is the user's to fix and shows its class and
 * message alone (`SovereigntyError: agogsaas:peers[0].zone is …`); a ResourceError stays one (the engine attaches it to its resource) with those frames
 * dropped from its stack; anything else keeps the program's own frames in its message.
 */
export function reportedError(error: unknown): Error {
    const ownFrames = (stack: string) => stack.split("\n").filter((line) => !/node_modules[\\/]/.test(line)).join("\n");
    if (pulumi.ResourceError.isInstance(error)) {
        error.stack = ownFrames(error.stack ?? error.message);
        return error;
    }
    const message = error instanceof ValidationError ? `${error.name}: ${error.message}`
        : error instanceof Error ? ownFrames(error.stack ?? error.message) : String(error);
    const runError = new pulumi.RunError(message);
    runError.stack = `RunError: ${message}`;
    return runError;
}

