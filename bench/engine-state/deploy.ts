/**
 * The bench/engine-state program as a stack of its own: two embedded servers (edge, region),
 * a config file, a file backend in a temporary folder; all removed after `use`. Shared by
 * bench/engine-state.ts and bench/state-fleet.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { startLocalPg } from "../../tools/local-pg/cluster";
import { CHECKOUT } from "../../tools/engine/cli";
import { LocalStack } from "../../tools/engine/local-stack";
import { fleetCapacity } from "./capacity";

export const BENCH_STATE_PROJECT = { dir: path.join(CHECKOUT, "bench", "engine-state"), name: "agogsaas-bench-state" };

export interface BenchStateStack {
    stack: LocalStack;
    /** The stack's config, as the program reads it. */
    config: Record<string, string>;
    /** The servers' superuser password. */
    password: string;
}

export async function withBenchStateStack<T>(edges: number, bundleEdges: boolean, use: (deployed: BenchStateStack) => Promise<T>): Promise<T> {
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
        const config = {
            "bench:edges": String(edges), "bench:edgePort": String(edge.instances[0].port), "bench:regionPort": String(region.instances[0].port), "bench:bundleEdges": String(bundleEdges),
        };
        const configFile = path.join(dir, `Pulumi.edges-${edges}.yaml`);
        fs.writeFileSync(configFile, YAML.stringify({ config }));
        const stack = new LocalStack({ stateDir: path.join(dir, "state"), password, configFile, stack: `edges-${edges}`, project: BENCH_STATE_PROJECT });
        await stack.init();
        return await use({ stack, config, password });
    } finally {
        await Promise.all([edge.destroy(), region.destroy()]);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
