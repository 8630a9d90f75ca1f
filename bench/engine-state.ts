/**
 * `npm run bench:engine-state [-- [--bundle] 1 10 50]`: state file size on the real engine for N edges
 * (bench/engine-state: N edge databases on one embedded server replicating to one regional
 * database). For each N: `pulumi up` from empty (seconds, peak RSS), the checkpoint's bytes in
 * total, per PostgreSQL resource and per type, then `pulumi destroy`. Before the provider plugin
 * (0.1.x) every such resource stored its dynamic provider's code (docs/provider.md). Run with
 * plain node. Writes nothing but stdout.
 */
import * as os from "os";
import { engineVersion, installEngine } from "../tools/engine/cli";
import { stateFigures } from "../tools/engine/local-stack";
import { withBenchStateStack } from "./engine-state/deploy";
import { measured } from "./engine-measure";

async function measure(edges: number, bundleEdges: boolean): Promise<string> {
    return withBenchStateStack(edges, bundleEdges, async ({ stack }) => {
        const opts = (onSpawn: (pid: number) => void) => ({ processGroup: true, onSpawn });
        const up = await measured(`${edges} edge(s): pulumi up`, (s) => stack.up([], opts(s)));
        const state = stateFigures(stack.stateFile());
        const row = `| ${edges} | ${state.pgResources} | ${(state.totalBytes / 1024 / 1024).toFixed(2)} MiB | ${(state.bytesPerPgResource / 1024).toFixed(1)} KiB | ${(state.providerCodeBytes / 1024).toFixed(1)} KiB | ${(up.ms / 1000).toFixed(1)} s | ${up.peakMiB.toFixed(0)} MiB |`;
        console.log(row);
        for (const [type, t] of Object.entries(state.byType)) console.log(`    ${type}: ${t.count} × ${(t.averageBytes / 1024).toFixed(1)} KiB on average, ${(t.maxBytes / 1024).toFixed(1)} KiB at most`);
        await measured(`${edges} edge(s): pulumi destroy`, (s) => stack.destroy([], opts(s)));
        return row;
    });
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
