/**
 * The stack program: config in, components out. `runStack` reads and validates the whole config
 * first (nothing is registered when any of it is wrong), then hands it to the program of the
 * stack's tier. It keeps no module state, so tests, the synth CLI and benchmarks can run it
 * repeatedly in one process.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig, Tier, loadStackConfig } from "./config";
import { deployLocal, parseLocalConfig } from "./local";
import { deployLocalPart, parseLocalPartConfig } from "./local-parts";
import { deployRegional } from "./regional";
import { deployEdge } from "./edge";
import type { StackOutputs } from "./stack-outputs";


/** One program per tier. A new tier is one entry here and one module beside this one. */
const TIER_PROGRAMS: Readonly<Record<Tier, (config: StackConfig) => Promise<StackOutputs>>> = {
    regional: deployRegional,
    edge: deployEdge,
};

/**
 * Runs the program of the current stack (config from the Pulumi runtime) and resolves to its
 * outputs. Config errors throw synchronously, before anything is registered.
 */
export function runStack(): Promise<StackOutputs> {
    // The local tier (embedded PostgreSQL on this machine) has a config of its own.
    const raw = pulumi.runtime.allConfig();
    if (raw[`${pulumi.getProject()}:tier`] === "local") {
        const local = parseLocalConfig(raw, pulumi.getProject());
        const part = parseLocalPartConfig(raw, local, pulumi.getProject());
        return part.part === "all" ? deployLocal(local) : deployLocalPart(local, part);
    }
    const config = loadStackConfig();
    return TIER_PROGRAMS[config.tier](config);
}
