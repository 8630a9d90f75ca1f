/**
 * `npm run bench:engine-state [-- [--bundle] 1 10 50]`: state file size on the real engine for N edges
 * (bench/engine-state: N edge databases on one embedded server replicating to one regional
 * database). For each N: `pulumi up` from empty (seconds, peak RSS), the checkpoint's bytes in
 * total, per PostgreSQL resource and per type, then `pulumi destroy`. Before the provider plugin
 * (0.1.x) every such resource stored its dynamic provider's code (docs/provider.md). Run with
 * plain node. Writes nothing but stdout.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { startLocalPg } from "../tools/local-pg/cluster";
import { CHECKOUT, engineVersion, installEngine } from "../tools/engine/cli";
import { LocalStack, stateFigures } from "../tools/engine/local-stack";
import { fleetCapacity } from "./engine-state/capacity";
import { measured } from "./engine-measure";

const PROJECT = { dir: path.join(CHECKOUT, "bench", "engine-state"), name: "agogsaas-bench-state" };

async function measure(edges: number, bundleEdges: boolean): Promise<string> {
    const capacity = fleetCapacity(edges);
    const password = `bench-${Math.random().toString(36).slice(2)}`;
    // Walsenders and apply workers do not take client slots, but N provider connections at once may.
    const settings = { max_connections: String(Math.max(100, 3 * edges + 20)) };
    const [edge, region] = await Promise.all([
        startLocalPg({ names: ["edge"], password, capacity: capacity.edge, settings }),
        startLocalPg({ names: ["region"], password, capacity: capacity.region, settings }),
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-bench-state-"));
    try {
        const configFile = path.join(dir, `Pulumi.edges-${edges}.yaml`);
        fs.writeFileSync(configFile, YAML.stringify({ config: {
            "bench:edges": String(edges), "bench:edgePort": String(edge.instances[0].port), "bench:regionPort": String(region.instances[0].port), "bench:bundleEdges": String(bundleEdges),
        } }));
        const stack = new LocalStack({ stateDir: path.join(dir, "state"), password, configFile, stack: `edges-${edges}`, project: PROJECT });
        await stack.init();
        const opts = (onSpawn: (pid: number) => void) => ({ processGroup: true, onSpawn });
        const up = await measured(`${edges} edge(s): pulumi up`, (s) => stack.up([], opts(s)));
        const state = stateFigures(stack.stateFile());
        const row = `| ${edges} | ${state.pgResources} | ${(state.totalBytes / 1024 / 1024).toFixed(2)} MiB | ${(state.bytesPerPgResource / 1024).toFixed(1)} KiB | ${(state.providerCodeBytes / 1024).toFixed(1)} KiB | ${(up.ms / 1000).toFixed(1)} s | ${up.peakMiB.toFixed(0)} MiB |`;
        console.log(row);
        for (const [type, t] of Object.entries(state.byType)) console.log(`    ${type}: ${t.count} × ${(t.averageBytes / 1024).toFixed(1)} KiB on average, ${(t.maxBytes / 1024).toFixed(1)} KiB at most`);
        await measured(`${edges} edge(s): pulumi destroy`, (s) => stack.destroy([], opts(s)));
        return row;
    } finally {
        await Promise.all([edge.destroy(), region.destroy()]);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function main(): Promise<void> {
    const bundleEdges = process.argv.includes("--bundle");
    const counts = process.argv.slice(2).filter((a) => a !== "--bundle").map(Number);
    installEngine(() => undefined);
    console.log(`state size, Pulumi ${engineVersion()} built from source, ${os.cpus().length} cores${bundleEdges ? ", each edge's objects as one ReplicationBundle" : ""}`);
    const rows: string[] = [];
    for (const edges of counts.length ? counts : [1, 10, 50]) rows.push(await measure(edges, bundleEdges));
    console.log(["", "| edges | PostgreSQL resources | state file | per PG resource | of which provider code | `pulumi up` | peak RSS |", "|---:|---:|---:|---:|---:|---:|---:|", ...rows].join("\n"));
}

main().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });
