/**
 * Writes the preview-only stand-in plugins (provider.ts) into a directory of the caller's, one
 * `pulumi-resource-<package>` launcher per cloud package at the version its npm package declares.
 * Only the cloud-preview test and the preview benchmark put that directory on PATH (before the
 * engine's): the main job and the local stacks never do.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import * as YAML from "yaml";
import { CHECKOUT, engineBinDir } from "../cli";
import { writeStackFileVariant } from "../local-stack";

/** The packages whose plugins cannot be built here (docs/engine.md), with their npm package. */
export const STAND_IN_PACKAGES = ["aws", "azure-native", "kubernetes", "docker", "random"] as const;

/** The plugin version the npm package asks the engine for. */
export function pluginVersion(pkg: string): string {
    const manifest = JSON.parse(fs.readFileSync(path.join(CHECKOUT, "node_modules", "@pulumi", pkg, "package.json"), "utf8")) as { version: string; pulumi?: { version?: string } };
    return manifest.pulumi?.version ?? manifest.version;
}

/**
 * Writes the launchers into `dir` (created) and returns it. The provider is transpiled once to
 * plain JavaScript there: the engine starts one plugin process per provider resource (an inline
 * fleet has a Docker provider per facility), and ts-node would cost each start a second of CPU.
 */
export function writeStandInPlugins(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    const source = fs.readFileSync(path.join(__dirname, "provider.ts"), "utf8");
    const entry = path.join(dir, "stand-in-provider.js");
    fs.writeFileSync(entry, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText);
    for (const pkg of STAND_IN_PACKAGES) {
        const file = path.join(dir, `pulumi-resource-${pkg}`);
        fs.writeFileSync(file, [
            "#!/bin/sh",
            `# STAND-IN (preview only) for the ${pkg} plugin, written by tools/engine/stand-ins/index.ts: check echoes, diff compares, create is refused.`,
            `NODE_PATH="${path.join(CHECKOUT, "node_modules")}" exec node "${entry}" ${pkg} ${pluginVersion(pkg)} "$@"`,
            "",
        ].join("\n"), { mode: 0o755 });
    }
    return dir;
}

/**
 * A copy of a cloud stack's file that previews without its peers' and edge stacks' deployments
 * (which cannot exist here: nothing deploys through a stand-in): each peer given in config (a
 * documented form of `peers`: graphqlUrl + database, placeholder host and password) instead of
 * its stack reference, and each `edgeDeployment: stacks` facility deployed inline. Everything
 * else is the shipped file as it is.
 */
export function writePreviewableVariant(stack: string, target: string): string {
    const file = path.join(CHECKOUT, `Pulumi.${stack}.yaml`);
    const config = (YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> }).config ?? {};
    const changes: Record<string, unknown> = {};
    const peers = config["agogsaas:peers"] as Record<string, unknown>[] | undefined;
    if (peers) {
        changes["agogsaas:peers"] = peers.map(({ stackReference: _ref, ...peer }) => ({
            ...peer,
            graphqlUrl: `https://api.${peer.stack}.example.invalid/graphql/federation/aggregate`,
            database: { host: `${peer.stack}-db.peering.example.invalid`, user: `mesh_peering_${String(peer.stack).replace(/-/g, "_")}_reader`, password: "preview-only" },
        }));
    }
    const facilities = config["agogsaas:facilities"] as Record<string, unknown>[] | undefined;
    if (facilities?.some((f) => f.edgeDeployment === "stacks")) {
        changes["agogsaas:facilities"] = facilities.map(({ edgeDeployment, edgeStack: _stack, ...facility }) => (edgeDeployment === "stacks" ? facility : { ...facility, ...(edgeDeployment ? { edgeDeployment } : {}) }));
    }
    return writeStackFileVariant(target, changes, file);
}

/** PATH for a run that must find the stand-ins before anything else (then the engine's own binaries). */
export function standInPath(dir: string): string {
    return [dir, engineBinDir(), process.env.PATH ?? ""].join(path.delimiter);
}
