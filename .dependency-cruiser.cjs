/**
 * The layering rules of docs/architecture.md, checked by `npm test` (test/structure.test.ts) and by
 * `npx depcruise --config .dependency-cruiser.cjs components provider stacks tools policy bench ops sdk-internals`.
 */
const LIBRARY = "^components/";
/** The pure model a provider may use: connections, SQL quoting, the mesh's input types, row filters, DDL, names, the shared rules. */
const PROVIDER_MAY_USE = "/providers/|^components/shared/|^components/postgres/(connection|sql)\\.ts$|^components/replication/(args|row-filter|schema|naming)\\.ts$";
/**
 * What the library may load of @pulumi/pulumi: its public entry points only (the package's index,
 * `dynamic`, `provider`, `automation`), never a module of its internals (`runtime/`, `proto/`,
 * `output.js`, ...). The SDK is a peer dependency with a range: the library must work on any
 * version in it, so it relies on nothing the SDK does not document.
 */
const SDK_PUBLIC = "node_modules/@pulumi/pulumi/(index\\.js$|(dynamic|provider|automation)/)";

module.exports = {
    forbidden: [
        { name: "no-circular", severity: "error", comment: "No import cycles, type-only imports included.", from: {}, to: { circular: true } },
        {
            name: "library-stands-alone", severity: "error",
            comment: "The library (components/) never imports the provider plugin's server, the stacks, tools, operator commands, benchmarks, policies or tests built on it.",
            from: { path: LIBRARY }, to: { path: "^(provider|stacks|tools|bench|ops|policy|test)/" },
        },
        {
            name: "providers-never-import-resources", severity: "error",
            comment: "Provider runtime (serialised into state, run by the engine) imports only provider runtime and the pure model: never a resource class or a component.",
            from: { path: "/providers/" }, to: { path: LIBRARY, pathNot: PROVIDER_MAY_USE },
        },
        {
            name: "plugin-serves-providers-only", severity: "error",
            comment: "The provider plugin (provider/) runs provider runtime and the pure model: never a resource class or a component.",
            from: { path: "^provider/" }, to: { path: LIBRARY, pathNot: PROVIDER_MAY_USE },
        },
        {
            name: "providers-without-pulumi-runtime", severity: "error",
            comment: "Provider runtime uses @pulumi/pulumi for types only.",
            from: { path: "/providers/" }, to: { path: "node_modules/@pulumi/pulumi/", dependencyTypesNot: ["type-only"] },
        },
        {
            name: "sdk-internals-fenced", severity: "error",
            comment: "SDK patches live in sdk-internals/, opt-in for the repo's own program (stacks/, tools/, bench/); the library never uses them.",
            from: { path: LIBRARY }, to: { path: "^sdk-internals/" },
        },
        {
            name: "library-public-sdk-only", severity: "error",
            comment: "The library imports @pulumi/pulumi by its public entry points only, never a module of the SDK's internals.",
            from: { path: LIBRARY }, to: { path: "node_modules/@pulumi/pulumi/", pathNot: SDK_PUBLIC },
        },
        {
            name: "plugin-public-sdk-only", severity: "error",
            comment: "The provider plugin uses the SDK's public entry points too; its one workaround for an SDK bug (provider/import-read-request.ts, docs/provider.md) is the exception, and its own test fails once the SDK is fixed.",
            from: { path: "^provider/", pathNot: "^provider/import-read-request\\.ts$" }, to: { path: "node_modules/@pulumi/pulumi/", pathNot: SDK_PUBLIC },
        },
        {
            name: "stacks-not-on-tools", severity: "error",
            comment: "The stack program never imports a dev tool, a benchmark or a test.",
            from: { path: "^stacks/" }, to: { path: "^(tools|bench|test)/" },
        },
        { name: "not-to-unresolvable", severity: "error", from: {}, to: { couldNotResolve: true } },
    ],
    options: {
        tsPreCompilationDeps: true,
        tsConfig: { fileName: "tsconfig.json" },
        // node_modules are kept in the graph (not followed), so rules on @pulumi/pulumi paths can see them
        // (an `exclude` of node_modules dropped those dependencies, and such rules never fired).
        doNotFollow: { path: "node_modules" },
    },
};
