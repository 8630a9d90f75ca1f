/**
 * The package as a user gets it (docs/package.md): `npm run build`, `npm pack`, the tarball
 * installed into a fresh Pulumi TypeScript project outside the repository (its own package.json:
 * the tarball plus the peer dependencies at the repository's versions, from npm's cache first),
 * `tsc --strict` on the example that uses each of the five components (test/package/example/index.ts,
 * the README's "Install and use" snippet), and a `pulumi preview` of it on the real engine with a
 * local file backend. The cloud plugins (aws, kubernetes, docker, random) cannot be built here, so
 * the preview runs on the preview-only STAND-IN plugins (docs/engine.md), as the cloud stacks'
 * previews do: no credentials, no cloud call; the ReplicationMesh's PostgreSQL resources run the
 * package's own provider code from the installed package.
 */
import * as assert from "assert";
import { isPgResourceType } from "../../components/postgres/providers/resource-types";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHECKOUT, engineVersion, ensureStack, installEngine, pulumi } from "../../tools/engine/cli";
import { standInPath, writeStandInPlugins } from "../../tools/engine/stand-ins/index";

const EXAMPLE = path.join(CHECKOUT, "test", "package", "example", "index.ts");
const PASSPHRASE = "package-preview-only";
/** The component type tokens the example registers, one per component. */
const COMPONENTS = ["agogsaas:edge:EdgeSite", "agogsaas:regional:RegionalCluster", "agogsaas:bluegreen:BlueGreenPair", "agogsaas:federation:FederationGateway", "agogsaas:replication:ReplicationMesh"];

/** The version of `name` installed in the repository (the lockfile's). */
const repoVersion = (name: string): string =>
    (JSON.parse(fs.readFileSync(path.join(CHECKOUT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { out: string; ms: number } {
    const started = Date.now();
    const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const out = `${r.stdout}${r.stderr}`;
    assert.strictEqual(r.status, 0, `${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status}:\n${out.slice(-4000)}`);
    return { out, ms: Date.now() - started };
}

interface PackedFile { path: string; size: number }

describe("the package: npm pack, installed into a fresh Pulumi program, tsc --strict, real-engine preview", function () {
    this.timeout(900_000);
    let dir: string;
    let project: string;
    let files: PackedFile[];
    let tarball: string;
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

    before(() => {
        installEngine(() => undefined);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-package-"));
        assert.ok(path.relative(CHECKOUT, dir).startsWith(".."), "the project is outside the repository");
        project = path.join(dir, "program");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("builds (npm run build) and packs: dist and bin only, no sources but declarations", () => {
        const build = run("npm", ["run", "-s", "build"], CHECKOUT);
        // prepack builds again for `npm publish`; the build above is the one measured.
        const pack = run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], CHECKOUT);
        const [info] = JSON.parse(pack.out.slice(pack.out.indexOf("["))) as { filename: string; size: number; unpackedSize: number; files: PackedFile[] }[];
        files = info.files;
        tarball = path.join(dir, info.filename);
        console.log(`      build ${seconds(build.ms)}; ${info.filename}: ${(info.size / 1024).toFixed(0)} KiB packed, ${(info.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${files.length} files`);
        const paths = files.map((f) => f.path);
        assert.deepStrictEqual(paths.filter((p) => /^(test|stacks|tools|bench|ops|policy|docs|components|provider)\//.test(p)), [], "no repository folder but the build");
        assert.deepStrictEqual(paths.filter((p) => /\.ts$/.test(p) && !p.endsWith(".d.ts")), [], "no TypeScript source but declarations");
        assert.deepStrictEqual(paths.filter((p) => !/^(dist|bin)\//.test(p)).sort(), ["README.md", "package.json", ...(paths.includes("LICENSE") ? ["LICENSE"] : [])].sort());
        assert.ok(paths.includes("dist/components/index.js") && paths.includes("dist/components/index.d.ts"), "the front door");
        assert.ok(paths.includes("bin/pulumi-resource-agogsaas") && paths.includes("dist/provider/main.js"), "the provider plugin");
    });

    it("installs into a fresh TypeScript project outside the repository, with the peer dependencies", () => {
        fs.mkdirSync(project);
        const peers = (JSON.parse(fs.readFileSync(path.join(CHECKOUT, "package.json"), "utf8")) as { peerDependencies: Record<string, string> }).peerDependencies;
        // Exact versions (the repository's, which the engine is built at), within the package's ranges.
        const deps = [...Object.keys(peers), "typescript", "@types/node"].map((name) => `${name}@${repoVersion(name)}`);
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "agogsaas-example", private: true, main: "index.ts" }, null, 2));
        // The package's provider plugin as docs/provider.md tells users to name it.
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: agogsaas-example\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n" +
            "plugins:\n  providers:\n    - name: agogsaas\n      path: ./node_modules/@agogsaas/pulumi/bin\n");
        // The tsconfig.json of Pulumi's TypeScript template (`pulumi new typescript`): no skipLibCheck.
        fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({
            compilerOptions: {
                strict: true, outDir: "bin", target: "es2020", module: "commonjs", moduleResolution: "node", sourceMap: true, experimentalDecorators: true,
                pretty: true, noFallthroughCasesInSwitch: true, noImplicitReturns: true, forceConsistentCasingInFileNames: true,
            },
            files: ["index.ts"],
        }, null, 2));
        fs.copyFileSync(EXAMPLE, path.join(project, "index.ts"));
        const install = run("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", tarball, ...deps], project);
        console.log(`      npm install ${path.basename(tarball)} ${deps.join(" ")}: ${seconds(install.ms)}`);
        const installed = (name: string) => (JSON.parse(fs.readFileSync(path.join(project, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
        for (const name of Object.keys(peers)) assert.strictEqual(installed(name), repoVersion(name), name);
        assert.strictEqual(installed("@pulumi/pulumi"), engineVersion());
    });

    it("the installed front door is the built barrel and has no side effect on import", () => {
        const script = [
            "const before = new Set(Object.keys(require.cache));",
            "const library = require('@agogsaas/pulumi');",
            "const loaded = Object.keys(require.cache).filter((f) => !before.has(f));",
            "const patches = loaded.filter((f) => /sdk-internals[\\\\/](sdk-tuning|closure-debugger)/.test(f) || /[\\\\/]stacks[\\\\/]/.test(f));",
            "console.log(JSON.stringify({ resolved: require.resolve('@agogsaas/pulumi'), components: ['EdgeSite', 'RegionalCluster', 'BlueGreenPair', 'FederationGateway', 'ReplicationMesh'].filter((c) => typeof library[c] === 'function'), patches, stack: require('@pulumi/pulumi').runtime.getStackResource?.() ?? null }));",
        ].join("\n");
        const r = run(process.execPath, ["-e", script], project, { ...process.env, NODE_OPTIONS: "" });
        assert.deepStrictEqual(JSON.parse(r.out.trim().split("\n").pop()!), {
            resolved: path.join(fs.realpathSync(project), "node_modules", "@agogsaas", "pulumi", "dist", "components", "index.js"),
            components: ["EdgeSite", "RegionalCluster", "BlueGreenPair", "FederationGateway", "ReplicationMesh"],
            patches: [],
            stack: null,
        });
    });

    it("tsc --strict type-checks the example that uses each component", () => {
        const tsc = run(path.join(project, "node_modules", ".bin", "tsc"), ["--strict", "--noEmit", "-p", "."], project);
        console.log(`      tsc --strict --noEmit: ${seconds(tsc.ms)}`);
    });

    it("pulumi preview of the example on the real engine (local file backend, STAND-IN cloud plugins): every component planned", async () => {
        const options = { stateDir: path.join(dir, "state"), passphrase: PASSPHRASE, cwd: project, env: { PATH: standInPath(writeStandInPlugins(path.join(dir, "stand-ins"))) } };
        await ensureStack("dev", options);
        const preview = await pulumi(["preview", "--stack", "dev", "--non-interactive", "--json"], options);
        assert.strictEqual(preview.code, 0, `${preview.stdout.slice(-3000)}\n${preview.stderr.slice(-3000)}`);
        const plan = JSON.parse(preview.stdout) as { steps: { op: string; urn: string; newState?: { type: string } }[]; changeSummary: Record<string, number> };
        const types = new Set(plan.steps.map((s) => s.newState?.type ?? s.urn.split("::")[2]));
        console.log(`      pulumi preview: ${seconds(preview.ms)}, ${plan.changeSummary.create} to create`);
        for (const component of COMPONENTS) assert.ok(types.has(component), `${component} planned (got ${[...types].filter((t) => t.startsWith("agogsaas:")).join(", ")})`);
        assert.ok(plan.steps.every((s) => s.op === "create"), "a first preview creates");
        // The PostgreSQL objects are the installed package's provider plugin's (its built code: the
        // package has no TypeScript source), found through Pulumi.yaml, not on PATH; no provider code in state.
        const pg = plan.steps.filter((s) => isPgResourceType(s.newState?.type ?? ""));
        assert.ok(pg.length > 0, "the mesh's PostgreSQL objects are planned");
        assert.deepStrictEqual(pg.filter((s) => Object.keys((s.newState as { inputs?: object }).inputs ?? {}).some((k) => k.startsWith("__"))).map((s) => s.urn), []);
        assert.doesNotMatch(preview.stdout + preview.stderr, /pulumi-resource-agogsaas from \$PATH/);
    });
});

describe("README: Install and use", () => {
    it("shows the tested example verbatim", () => {
        const readme = fs.readFileSync(path.join(CHECKOUT, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("## Install and use"));
        const snippet = /```typescript\n([\s\S]*?)```/.exec(section);
        assert.ok(snippet, "a typescript block in the section");
        assert.strictEqual(snippet[1], fs.readFileSync(EXAMPLE, "utf8"));
    });
});
