/** The program's errors as the engine gets them (stacks/program-error.ts). */
import * as assert from "assert";
import * as util from "util";
import * as pulumi from "@pulumi/pulumi";
import { SovereigntyError } from "../components/shared/errors";
import { reportedError } from "../stacks/program-error";

// A frame as source-map-support writes the SDK's own: the shape nodejs/node#64011 loops on.
const SDK_FRAME = "    at Stack.initializeAndRegisterOutputs (/app/node_modules/@pulumi/resource.ts:1598:22)";

describe("program errors reported to the engine", () => {
    it("a ValidationError becomes a RunError with its class and message alone", () => {
        const error = new SovereigntyError("agogsaas:peers[0].zone", 'is "apac" but stack "x" exports peering.zone "eu"');
        error.stack = `${error.stack}\n${SDK_FRAME}`;
        const reported = reportedError(error);
        assert.ok(pulumi.RunError.isInstance(reported));
        assert.strictEqual(reported.message, `SovereigntyError: ${error.message}`);
        assert.strictEqual(reported.stack, `RunError: SovereigntyError: ${error.message}`);
    });

    it("any other error keeps the program's own frames, drops node_modules ones", () => {
        const error = new TypeError("boom");
        error.stack = ["TypeError: boom", "    at deployRegional (/app/stacks/regional.ts:10:5)", SDK_FRAME].join("\n");
        const reported = reportedError(error);
        assert.ok(pulumi.RunError.isInstance(reported));
        assert.strictEqual(reported.message, "TypeError: boom\n    at deployRegional (/app/stacks/regional.ts:10:5)");
        assert.doesNotMatch(reported.stack ?? "", /node_modules/);
        // What the SDK does with it: colored inspect, which must return (the raw error's would loop on Node 20.20).
        assert.match(util.inspect(reported, { colors: true }), /boom/);
        assert.strictEqual(reportedError("plain").message, "plain");
    });

    it("a ResourceError stays one, for its resource, its stack without node_modules frames", () => {
        const error = new pulumi.ResourceError("cannot place it", undefined);
        error.stack = ["Error: cannot place it", "    at place (/app/stacks/regional.ts:3:1)", SDK_FRAME].join("\n");
        const reported = reportedError(error);
        assert.strictEqual(reported, error);
        assert.strictEqual(reported.stack, "Error: cannot place it\n    at place (/app/stacks/regional.ts:3:1)");
    });
});
