/**
 * The layering rules of docs/architecture.md, checked by `npm test` (test/structure.test.ts) and by
 * `npx depcruise --config .dependency-cruiser.cjs components provider stacks tools policy bench ops sdk-internals`.
 */
const LIBRARY = "^components/";
/** The pure model a provider may use: connections, SQL quoting, the mesh's input types, row filters, DDL, names, the shared rules. */
const PROVIDER_MAY_USE = "/providers/|^components/shared/|^components/postgres/(connection|sql)\\.ts$|^components/replication/(args|row-filter|schema|naming)\\.ts$";
/**
 * Library modules that still use SDK internals (sdk-internals/): the speed-ups of docs/scale.md.
 * The package issue takes them out of the library; until then no other module may join this list unnoticed.
 */
const SDK_INTERNALS_USERS = "^components/(edge-site/edge-site|edge-site/internal/docker-resources|postgres/secret-input|replication/replication-mesh)\\.ts$";

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
            comment: "SDK internals live in sdk-internals/; only the library modules listed in SDK_INTERNALS_USERS may use them.",
            from: { path: LIBRARY, pathNot: SDK_INTERNALS_USERS }, to: { path: "^sdk-internals/" },
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
        doNotFollow: { path: "node_modules" },
        exclude: { path: "^node_modules/" },
    },
};
