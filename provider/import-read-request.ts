/**
 * Makes the engine's import reads reach this plugin. For `pulumi import` (and the `import`
 * resource option) the engine sends a ReadRequest with no properties, and the Node.js provider
 * server of @pulumi/pulumi 3.248 (`provider/server.js`, `read`) calls
 * `req.getProperties().toJavaScript()` unguarded: every import fails with "Cannot read properties
 * of undefined (reading 'toJavaScript')" before the provider is asked. Here, in the plugin process
 * only, a read request without properties reports an empty property bag instead, which is what
 * the provider's `read` then sees (provider/import.ts).
 *
 * This is the package's one use of an SDK internal, confined to the plugin: test/provider/
 * import-read-request.test.ts fails once the SDK's server guards the read itself, so that this
 * file is deleted then.
 */
import * as path from "path";

interface Struct { toJavaScript(): Record<string, unknown> }
const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
/* eslint-disable @typescript-eslint/no-require-imports */
const providerProto = require("@pulumi/pulumi/proto/provider_pb") as { ReadRequest: { prototype: { getProperties(): Struct | undefined } } };
// The SDK's own protobuf runtime (its dependency, not this package's).
const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdkDir] })) as { Struct: new () => Struct };
/* eslint-enable @typescript-eslint/no-require-imports */

export function acceptImportReads(): void {
    const prototype = providerProto.ReadRequest.prototype;
    const original = prototype.getProperties;
    if ((original as { importReads?: boolean }).importReads) return;
    const patched = function (this: unknown): Struct {
        return original.call(this) ?? new Struct();
    };
    (patched as { importReads?: boolean }).importReads = true;
    prototype.getProperties = patched;
}
