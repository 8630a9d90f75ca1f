/**
 * `npm run bench:engine`: the real Pulumi engine (tools/engine) on the `local` stack, on this
 * machine's embedded PostgreSQL servers. Prints, for `pulumi up` from empty, a no-op `pulumi up`,
 * `pulumi preview` (no-op) and `pulumi destroy`: wall seconds and the peak resident memory of the
 * engine's process group (CLI + language host + program + dynamic-provider plugin, summed at each
 * 100 ms sample), then the state file's size in total and per PostgreSQL (dynamic) resource.
 * Run with plain node (not mocha). Writes nothing but stdout.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOCAL_SERVERS, LocalServer } from "../stacks/local";
import { startDemoEnvironment } from "../tools/demo/environment";
import { engineVersion, installEngine } from "../tools/engine/cli";
import { LocalStack, StateResource, writeStackFileVariant } from "../tools/engine/local-stack";

const PAGE_KB = 4;

/** Resident kB of every process in group `pgid`. */
function groupRssKb(pgid: number): number {
    let total = 0;
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            if (Number(fields[2]) === pgid) total += Number(fields[21]) * PAGE_KB; // pgrp, rss (pages)
        } catch { /* exited meanwhile */ }
    }
    return total;
}

async function measured(label: string, run: (onSpawn: (pid: number) => void) => Promise<{ ms: number }>): Promise<void> {
    let pgid: number | undefined;
    let peak = 0;
    const sampler = setInterval(() => { if (pgid) peak = Math.max(peak, groupRssKb(pgid)); }, 100);
    const result = await run((pid) => { pgid = pid; });
    clearInterval(sampler);
    console.log(`${label.padEnd(28)} ${(result.ms / 1000).toFixed(1).padStart(6)} s   peak RSS ${(peak / 1024).toFixed(0).padStart(5)} MiB`);
}

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
        const state = fs.readFileSync(stack.stateFile(), "utf8");
        const resources = (JSON.parse(state) as { checkpoint: { latest: { resources: StateResource[] } } }).checkpoint.latest.resources;
        const dynamic = resources.filter((r) => r.type === "pulumi-nodejs:dynamic:Resource");
        const sizes = dynamic.map((r) => JSON.stringify(r).length);
        const provider = dynamic.map((r) => String((r.outputs as Record<string, unknown> | undefined)?.__provider ?? "").length);
        const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        console.log(`state file                   ${(state.length / 1024).toFixed(0)} KiB, ${resources.length} resources, ${dynamic.length} PostgreSQL (dynamic) resources`);
        console.log(`per PostgreSQL resource      ${(avg(sizes) / 1024).toFixed(1)} KiB on average (max ${(Math.max(...sizes) / 1024).toFixed(1)} KiB), of which serialised provider code ${(avg(provider) / 1024).toFixed(1)} KiB`);
        await measured("pulumi destroy", (s) => stack.destroy([], opts(s)));
    } finally {
        await env.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });
