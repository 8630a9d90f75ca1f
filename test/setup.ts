import * as path from "path";

// mocha sets Error.stackTraceLimit = Infinity; the Pulumi SDK captures a stack for every
// promise it creates, which makes mock-runtime tests several times slower. Restore node's default.
Error.stackTraceLimit = 10;

// The stacks import the library by its package name, `@agogsaas/pulumi`. In this checkout that must
// resolve to the source barrel (the `agogsaas-source` export condition, given by .mocharc.json's
// node-option), never to a build in dist/: two copies of the library would make `instanceof
// ValidationError` false between them. docs/package.md.
{
    const barrel = require.resolve("@agogsaas/pulumi");
    const source = path.join(__dirname, "..", "components", "index.ts");
    if (barrel !== source) {
        throw new Error(`@agogsaas/pulumi resolves to ${barrel}, not ${source}: run node with --conditions=agogsaas-source (see docs/package.md)`);
    }
}
