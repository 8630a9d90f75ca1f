/**
 * A `local` stack on its own embedded PostgreSQL servers (free ports) and its own file backend,
 * for the real-engine tests and the drills: nothing shared with `npm run demo` or another test.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOCAL_SERVERS, LocalServer } from "../../stacks/local";
import { DemoEnvironment, startDemoEnvironment } from "../demo/environment";
import { LocalStack, writeStackFileVariant } from "./local-stack";

export { leftovers } from "../demo/catalog";

export interface LocalDeployment {
    env: DemoEnvironment;
    stack: LocalStack;
    /** The stack's config file (Pulumi.local.yaml with this deployment's ports). */
    configFile: string;
    /** Temp directory holding the state and config (removed by cleanup). */
    dir: string;
    /** Writes a variant of the config file with `changes` and returns its path. */
    variant(name: string, changes: Record<string, unknown>): string;
    /** Destroys the stack if anything is left, stops the servers, removes the state. */
    cleanup(): Promise<void>;
}

export async function startLocalDeployment(stackName = "local"): Promise<LocalDeployment> {
    const env = await startDemoEnvironment(undefined, { createDatabases: false });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-engine-test-"));
    const ports = Object.fromEntries(LOCAL_SERVERS.map((server) => [server, env.server(server).port])) as Record<LocalServer, number>;
    const base = { "agogsaas:localServers": ports };
    const configFile = writeStackFileVariant(path.join(dir, `Pulumi.${stackName}.yaml`), base);
    const stack = new LocalStack({ stateDir: path.join(dir, "state"), password: env.password, configFile, stack: stackName });
    await stack.init();
    return {
        env, stack, configFile, dir,
        variant: (name, changes) => writeStackFileVariant(path.join(dir, `${name}.yaml`), { ...base, ...changes }),
        cleanup: async () => {
            try {
                if ((await stack.urns().catch(() => [])).length > 0) await stack.destroy().catch(() => undefined);
            } finally {
                await env.destroy();
                fs.rmSync(dir, { recursive: true, force: true });
            }
        },
    };
}

/** The operations of `pulumi preview --json` output, by URN. */
export function previewSteps(json: string): { op: string; urn: string; diffs?: string[] }[] {
    const parsed = JSON.parse(json) as { steps?: { op: string; urn: string; diffs?: string[] }[] };
    return parsed.steps ?? [];
}

/** A resource-count summary like "33 unchanged" from `pulumi up` output. */
export function summaryOf(output: string): Record<string, number> {
    const section = output.slice(output.lastIndexOf("Resources:"));
    const counts: Record<string, number> = {};
    for (const match of section.matchAll(/^\s+[+~\-]*\s*(\d+) (created|updated|deleted|replaced|unchanged|to create|to update|to delete|to replace)/gm)) {
        counts[match[2]] = Number(match[1]);
    }
    return counts;
}
