/**
 * `npm run bench:engine`: the real Pulumi engine (tools/engine) on the `local` stack, on this
 * machine's embedded PostgreSQL servers. Prints, for `pulumi up` from empty, a no-op `pulumi up`,
 * `pulumi preview` (no-op) and `pulumi destroy`: wall seconds and the peak resident memory of the
 * engine's session (CLI + language host + program + dynamic-provider plugin, summed at each
 * 100 ms sample: bench/engine-measure.ts), then the state file's size in total and per PostgreSQL (dynamic) resource.
 * Run with plain node (not mocha). Writes nothing but stdout.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOCAL_SERVERS, LocalServer } from "../stacks/local";
import { startDemoEnvironment } from "../tools/demo/environment";
import { engineVersion, installEngine } from "../tools/engine/cli";
import { LocalStack, stateFigures, writeStackFileVariant } from "../tools/engine/local-stack";
import { measured } from "./engine-measure";

async function main(): Promise<void> {
    installEngine(() => undefined);
    const env = await startDemoEnvironment(undefined, { createDatabases: false });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-bench-engine-"));
    try {
        const ports = Object.fromEntries(LOCAL_SERVERS.map((s) => [s, env.server(s).port])) as Record<LocalServer, number>;
        const configFile = writeStackFileVariant(path.join(dir, "Pulumi.local.yaml"), { "agogsaas:localServers": ports });
        const stack = new LocalStack({ stateDir: path.join(dir, "state"), password: env.password, configFile });
        await stack.init();
        console.log(`local stack, Pulumi ${engineVersion()} built from source, ${os.cpus().length} cores`);
        const opts = (onSpawn: (pid: number) => void) => ({ processGroup: true, onSpawn });
        await measured("pulumi up (from empty)", (s) => stack.up([], opts(s)));
        await measured("pulumi up (no changes)", (s) => stack.up([], opts(s)));
        await measured("pulumi preview (no changes)", (s) => stack.preview([], opts(s)));
        const state = stateFigures(stack.stateFile());
        console.log(`state file                   ${(state.totalBytes / 1024).toFixed(0)} KiB, ${state.resources} resources, ${state.pgResources} PostgreSQL (dynamic) resources`);
        console.log(`per PostgreSQL resource      ${(state.bytesPerPgResource / 1024).toFixed(1)} KiB on average (max ${(state.maxBytesPerPgResource / 1024).toFixed(1)} KiB), of which serialised provider code ${(state.providerCodeBytes / 1024).toFixed(1)} KiB`);
        await measured("pulumi destroy", (s) => stack.destroy([], opts(s)));
    } finally {
        await env.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });
