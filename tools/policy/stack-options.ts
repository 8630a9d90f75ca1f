/**
 * Evaluation options for a stack of this project: its zone (`agogsaas:zone` in
 * `Pulumi.<stack>.yaml`) and its config (the default providers' `aws:region`,
 * `azure-native:location`), and the policy config file the real CLI needs for the same verdicts.
 */
import * as fs from "fs";
import * as path from "path";
import type { Policies } from "@pulumi/policy";
import { assertZone, Zone } from "../../components/shared/sovereignty";
import { loadStackConfigFiles } from "../synth/stack-config";
import type { EvaluateOptions, PolicyConfigFile } from "./evaluate";

/** Stack config and zone of `stack`, or undefined when `dir` has no `Pulumi.<stack>.yaml`. */
export function stackOptions(stack: string, dir = process.cwd()): (Pick<EvaluateOptions, "zone" | "stackConfig"> & { multiZone: boolean }) | undefined {
    if (!fs.existsSync(path.join(dir, `Pulumi.${stack}.yaml`))) return undefined;
    const loaded = loadStackConfigFiles(stack, dir);
    const zone = loaded.config[`${loaded.project}:zone`];
    return {
        zone: zone === undefined ? undefined : assertZone(`${loaded.project}:zone`, zone),
        stackConfig: loaded.config,
        // The local tier holds servers of several zones (stacks/local.ts): no single stack zone.
        multiZone: loaded.config[`${loaded.project}:tier`] === "local",
    };
}

/**
 * The `--policy-pack-config` JSON for a zone: `{ "<policy>": { "zone": "<zone>" } }` for every
 * policy with a `zone` setting (Pulumi's policy config is per policy). For a stack spanning
 * several zones (`multiZone`), the policies whose zone is optional get none: they then take both
 * ends' zones from each resource's own inputs instead of counting the stack's zone as one end.
 */
export function policyConfigForZone(zone: Zone, policies: Policies, multiZone = false): PolicyConfigFile {
    return Object.fromEntries(policies
        .filter((p) => p.configSchema?.properties.zone !== undefined)
        .filter((p) => !multiZone || (p.configSchema?.required ?? []).includes("zone"))
        .map((p) => [p.name, { zone }]));
}
