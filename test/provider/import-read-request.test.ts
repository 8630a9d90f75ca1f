/**
 * The plugin's one SDK workaround (provider/import-read-request.ts): needed while the SDK's
 * Node.js provider server dereferences a ReadRequest's properties unguarded. When this first test
 * fails, the SDK handles import reads itself: delete the workaround and this test.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";

describe("the import-read workaround of the provider plugin", () => {
    it("is still needed: the SDK's provider server reads `req.getProperties().toJavaScript()` unguarded", () => {
        const server = fs.readFileSync(require.resolve("@pulumi/pulumi/provider/server.js"), "utf8");
        const read = server.slice(server.indexOf("async read(call, callback)"), server.indexOf("async update(call, callback)"));
        assert.match(read, /req\.getProperties\(\)\.toJavaScript\(\)/);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { ReadRequest } = require("@pulumi/pulumi/proto/provider_pb") as { ReadRequest: new () => { getProperties(): unknown } };
        // Checked in a child process below; here only that an import request has no properties.
        assert.strictEqual(new ReadRequest().getProperties(), undefined);
    });

    it("gives a request without properties an empty property bag, and leaves others as they are", () => {
        const script = `
            require("ts-node").register({ transpileOnly: true });
            require("./provider/import-read-request").acceptImportReads();
            require("./provider/import-read-request").acceptImportReads(); // idempotent
            const { ReadRequest } = require("@pulumi/pulumi/proto/provider_pb");
            const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
            const withProps = new ReadRequest(); withProps.setProperties(Struct.fromJavaScript({ a: 1 }));
            console.log(JSON.stringify([new ReadRequest().getProperties().toJavaScript(), withProps.getProperties().toJavaScript()]));`;
        const out = execFileSync(process.execPath, ["-e", script], { cwd: `${__dirname}/../..`, encoding: "utf8" });
        assert.deepStrictEqual(JSON.parse(out), [{}, { a: 1 }]);
    });
});
