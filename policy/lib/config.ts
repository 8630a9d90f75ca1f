/**
 * Policy configuration shared by the zone-aware policies: the stack's sovereignty zone. One pack
 * serves every stack; `pulumi preview --policy-pack policy --policy-pack-config <file>` (or the
 * offline evaluator's `--zone`/`--stack`) says which zone the stack belongs to.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import { ZONES, Zone, assertZone } from "../../components/shared/sovereignty";

/** Config schema of a policy that needs the stack's zone (required: no zone, no verdict). */
export const ZONE_CONFIG_SCHEMA: PolicyConfigSchema = {
    properties: {
        zone: {
            type: "string",
            enum: [...ZONES],
            description: "Sovereignty zone of the stack under check (us, eu or apac).",
        },
    },
    required: ["zone"],
};

/** Config schema of a policy that can fall back to zones declared on the resources themselves. */
export const OPTIONAL_ZONE_CONFIG_SCHEMA: PolicyConfigSchema = {
    properties: { zone: ZONE_CONFIG_SCHEMA.properties.zone },
};

/** Anything with `getConfig` (resource and stack validation args, remediation args). */
interface HasConfig {
    getConfig<T extends object>(): T;
}

/** The configured zone. The engine enforces `required`; this names the key if it is still missing. */
export function configuredZone(args: HasConfig): Zone {
    return assertZone("policy config `zone`", args.getConfig<{ zone?: string }>().zone);
}

/** The configured zone, or undefined when the policy was given none. */
export function optionalZone(args: HasConfig): Zone | undefined {
    const zone = args.getConfig<{ zone?: string }>().zone;
    return zone === undefined ? undefined : assertZone("policy config `zone`", zone);
}
