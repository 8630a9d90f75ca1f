/**
 * `npm run bench:state-fleet [-- 1000]`: the state the PostgreSQL resources of a regional stack
 * with N facilities would take; such a stack cannot be deployed here (it is a cloud stack).
 *
 * 1. Calibration on the real engine: the bench/engine-state program with `bundleEdges` (one
 *    edge, one regional database: a ReplicationBundle, databases, catalog tables, a guard) is
 *    deployed on embedded PostgreSQL; per type, its checkpoint entry (bytes) and the JSON size of
 *    the inputs the same program registers under the mock runtime are recorded.
 * 2. The us-east stack with N facilities (inline mode, bench/synth's generated fleet) is
 *    synthesised the same way. A resource's estimate is its type's calibrated entry plus twice
 *    the inputs it has beyond the calibrated one (a custom resource stores its inputs, and its
 *    outputs repeat them). Secrets count as the mock runtime's placeholder, not as ciphertext, so
 *    a resource with more secrets than the calibrated one is underestimated by ~0.5 KiB per
 *    extra secret. Types the calibration has no resource of are listed as not estimated.
 * Plain node; writes nothing but stdout.
 */
import * as fs from "fs";
import * as path from "path";
import { synthesize } from "../tools/synth/mock-runtime";
import { loadStackConfigFiles } from "../tools/synth/stack-config";
import { StateResource } from "../tools/engine/local-stack";
import { BENCH_STATE_PROJECT, withBenchStateStack } from "./engine-state/deploy";
import { runStack } from "../stacks/program";
import { LOCAL_PASSWORD_ENV } from "../stacks/local";
import { isPgResourceType } from "../components/postgres/providers/resource-types";
import { fleetConfig } from "./synth/fleet-config";

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function inputSizes(resources: { urn: string; type: string; inputs: Record<string, unknown> }[]): Map<string, { type: string; bytes: number }> {
    return new Map(resources.filter((r) => isPgResourceType(r.type)).map((r) => [r.urn, { type: r.type, bytes: JSON.stringify(r.inputs).length }]));
}

/** Per type: checkpoint bytes and synthesised input bytes of one resource, from a real deployment. */
async function calibrate(): Promise<Map<string, { stateBytes: number; inputBytes: number }>> {
    return withBenchStateStack(1, true, async ({ stack, config, password }) => {
        await stack.up();
        const state = JSON.parse(fs.readFileSync(stack.stateFile(), "utf8")) as { checkpoint: { latest: { resources: StateResource[] } } };
        await stack.destroy();
        process.env[LOCAL_PASSWORD_ENV] = password;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const synth = await synthesize({ project: BENCH_STATE_PROJECT.name, stack: stack.stack, config, program: () => { require("./engine-state/index"); } });
        const inputs = inputSizes(synth.resources);
        const calibrated = new Map<string, { stateBytes: number; inputBytes: number }>();
        for (const r of state.checkpoint.latest.resources) {
            const synthesised = inputs.get(r.urn);
            if (synthesised && !calibrated.has(r.type)) calibrated.set(r.type, { stateBytes: JSON.stringify(r).length, inputBytes: synthesised.bytes });
        }
        return calibrated;
    });
}

async function main(): Promise<void> {
    const facilities = Number(process.argv[2] ?? 1000);
    const calibrated = await calibrate();
    console.log(`calibration (real engine, bench/engine-state with bundleEdges, 1 edge), state / inputs per resource: ${[...calibrated].map(([t, c]) => `${t} ${kib(c.stateBytes)} / ${kib(c.inputBytes)}`).join(", ")}`);
    const loaded = loadStackConfigFiles("us-east", path.resolve(__dirname, ".."));
    const config = fleetConfig(loaded.config, { facilities, mode: "inline", project: loaded.project });
    const fleet = await synthesize({ project: loaded.project, stack: "us-east", config, program: runStack });
    const byType = new Map<string, number[]>();
    for (const { type, bytes } of inputSizes(fleet.resources).values()) byType.set(type, [...(byType.get(type) ?? []), bytes]);
    console.log(`us-east, ${facilities} facilities inline: ${[...byType.values()].flat().length} PostgreSQL resources`);
    console.log("| type | resources | inputs (synth) | estimated state each |\n|---|---:|---:|---:|");
    for (const [type, xs] of [...byType].sort((a, b) => b[1].length - a[1].length)) {
        const average = xs.reduce((a, b) => a + b, 0) / xs.length;
        const c = calibrated.get(type);
        console.log(`| ${type} | ${xs.length} | ${kib(average)} | ${c === undefined ? "not estimated (no such resource in the calibration)" : kib(c.stateBytes + 2 * (average - c.inputBytes))} |`);
    }
}

main().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });
