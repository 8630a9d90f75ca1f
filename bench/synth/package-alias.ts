/**
 * Preloaded (`-r`) by the compiled benchmark worker only (bench/synth/main.ts, runtime "compiled"):
 * the stacks import the library by its package name, `@agogsaas/pulumi`, which ts-node runs resolve
 * to components/index.ts through the `agogsaas-source` export condition (docs/package.md). The
 * compiled copy under dist/bench has its own compiled barrel; this maps the package name to it, so
 * the program and its deep imports share one copy of every module.
 */
import Module from "module";
import * as path from "path";

const BARREL = path.join(__dirname, "..", "..", "components", "index.js");
const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = loader._resolveFilename;
loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    return request === "@agogsaas/pulumi" ? BARREL : resolve.call(this, request, ...rest);
};
