/**
 * Rollout planning for a fleet deployed as per-facility edge stacks (`edgeDeployment: stacks`):
 * which edge stacks to update, in which waves, with what config, and where the regional stack's
 * update goes. Pure: the regional stack's config in, a plan out (tools/fleet/rollout.ts runs it
 * with the Pulumi Automation API).
 *
 * Order: edge stacks first, in waves (a small canary wave, then waves growing by `growth` up to
 * `maxWaveSize`), then the regional stack once. The regional stack reads each edge stack's outputs
 * through a StackReference (stacks/facility-endpoints.ts) to create the facility's replication
 * objects, so a new facility's edge stack must exist before the regional update that wires it.
 * Offline facilities are skipped (nothing can reach their Docker host; the regional stack keeps
 * their subscription, disabled); facilities deployed inline belong to the regional stack itself.
 */
import { RawConfig, StackConfig, configKey, parseStackConfig } from "../../stacks/config";

export interface FleetPlanOptions {
    /** Facilities in the first (canary) wave. Default 3. */
    canary?: number;
    /** Each wave is this many times the previous one. Default 4. */
    growth?: number;
    /** Upper bound of a wave. Default 200. */
    maxWaveSize?: number;
    /** Only these facility ids (others are skipped with reason "not selected"). Default: all. */
    only?: readonly string[];
    /** Also plan offline facilities (their update will fail unless the site is back). Default false. */
    includeOffline?: boolean;
    /** Where the regional stack update goes: after the edge waves, before them, or not at all. Default "last". */
    regional?: "last" | "first" | "skip";
}

export interface EdgeStackTask {
    facilityId: string;
    tenant: string;
    /** The edge stack's name (the facility's `edgeStack`, default `edge-<site>-<nnn>`). */
    stack: string;
    /** The edge stack's complete config (fully qualified keys, string values), validated. */
    config: Record<string, string>;
}

export interface FleetPlan {
    /** The regional stack this fleet belongs to. */
    regionalStack: string;
    /** Whether and where the regional stack is updated. */
    regional: "last" | "first" | "skip";
    /** Waves of edge stacks; a wave starts when the previous one has finished within its failure budget. */
    waves: EdgeStackTask[][];
    /** Facilities not in any wave, and why. */
    skipped: { facilityId: string; reason: "offline" | "inline" | "not selected" }[];
}

/** Keys of the regional stack an edge stack does not take over (regional-only or rewritten). */
const REGIONAL_ONLY_KEYS = [
    "tier", "facilities", "tenants", "peers", "edgeDeployment",
    "kubernetesVersion", "nodeSize", "nodeCount", "nodeMaxCount", "databaseSku", "databaseStorageGb", "databaseBackupRetentionDays", "databaseStandbyRegion",
];

function positiveInteger(name: string, value: number): number {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
    return value;
}

/** Wave sizes for `count` tasks: canary, then ×growth each, capped at maxWaveSize. */
export function waveSizes(count: number, canary: number, growth: number, maxWaveSize: number): number[] {
    positiveInteger("canary", canary);
    positiveInteger("maxWaveSize", maxWaveSize);
    if (!(growth >= 1)) throw new RangeError(`growth must be >= 1, got ${growth}`);
    const sizes: number[] = [];
    let remaining = count;
    let next = Math.min(canary, maxWaveSize);
    while (remaining > 0) {
        const size = Math.min(next, remaining);
        sizes.push(size);
        remaining -= size;
        next = Math.min(Math.max(next + 1, Math.floor(next * growth)), maxWaveSize);
    }
    return sizes;
}

/**
 * Orders facilities so each wave mixes tenants and size tiers (round robin over tenants, each
 * tenant's facilities by id): a canary wave of three touches three tenants where there are three,
 * and a bad release for one tenant's setup cannot take all of that tenant's factories at once.
 */
export function interleaveByTenant<T extends { id: string; tenant: string }>(facilities: readonly T[]): T[] {
    const byTenant = new Map<string, T[]>();
    for (const f of [...facilities].sort((a, b) => a.id.localeCompare(b.id))) {
        byTenant.set(f.tenant, [...(byTenant.get(f.tenant) ?? []), f]);
    }
    const queues = [...byTenant.keys()].sort().map((t) => byTenant.get(t)!);
    const out: T[] = [];
    for (let round = 0; out.length < facilities.length; round++) {
        for (const queue of queues) if (round < queue.length) out.push(queue[round]);
    }
    return out;
}

/**
 * The config of one facility's edge stack, derived from its regional stack's config: the
 * project's shared keys (zone, cloud, region, environment, publicHostname, versions, images,
 * edgeImages), `tier: edge`, the facility's tenant and the facility itself (as configured in the
 * regional stack, without its deployment fields). Provider keys (`aws:region`, ...) are not
 * carried: an edge stack only talks to Docker.
 */
export function edgeStackConfig(regionalRaw: RawConfig, facilityId: string, project = "agogsaas"): Record<string, string> {
    return edgeStackConfigs(regionalRaw, project)(facilityId);
}

/** `edgeStackConfig` for many facilities: the regional lists are decoded once. */
function edgeStackConfigs(regionalRaw: RawConfig, project: string): (facilityId: string) => Record<string, string> {
    const key = (name: string) => `${project}:${name}`;
    const facilities = new Map((JSON.parse(regionalRaw[key("facilities")] ?? "[]") as Record<string, unknown>[]).map((f) => [f.id, f]));
    const tenants = JSON.parse(regionalRaw[key("tenants")] ?? "[]") as { id: string }[];
    const shared: Record<string, string> = {};
    for (const [k, v] of Object.entries(regionalRaw)) {
        if (k.startsWith(`${project}:`) && !REGIONAL_ONLY_KEYS.includes(k.slice(project.length + 1))) shared[k] = v;
    }
    return (facilityId) => {
        const facility = facilities.get(facilityId);
        if (!facility) throw new Error(`${key("facilities")}: no facility "${facilityId}"`);
        const { edgeDeployment: _deployment, edgeStack: _stack, ...edgeFacility } = facility;
        return {
            ...shared,
            [key("tier")]: "edge",
            [key("tenants")]: JSON.stringify(tenants.filter((t) => t.id === facility.tenant)),
            [key("facilities")]: JSON.stringify([edgeFacility]),
        };
    };
}

/**
 * Plans the rollout of the edge stacks of `regionalStack` (whose raw config is `regionalRaw`, as
 * `tools/synth/stack-config.ts` loads it). Every derived edge config is validated with the
 * program's own rules, so a plan that is returned only holds configs the program accepts.
 */
export function planFleet(regionalRaw: RawConfig, regionalStack: string, options: FleetPlanOptions = {}, project = "agogsaas"): FleetPlan {
    const regional: StackConfig = parseStackConfig(regionalRaw, regionalStack, project);
    if (regional.tier !== "regional") throw new Error(`${configKey("tier")}: stack "${regionalStack}" has tier "${regional.tier}"; plan from its regional stack`);
    const only = options.only === undefined ? undefined : new Set(options.only);
    if (only) {
        const unknown = [...only].filter((id) => !regional.facilities.some((f) => f.id === id));
        if (unknown.length > 0) throw new Error(`unknown facility id(s): ${unknown.join(", ")}`);
    }

    const skipped: FleetPlan["skipped"] = [];
    const selected = regional.facilities.filter((f) => {
        const reason = f.edgeDeployment === "inline" ? "inline"
            : only && !only.has(f.id) ? "not selected"
                : f.offline && !options.includeOffline ? "offline"
                    : undefined;
        if (reason) skipped.push({ facilityId: f.id, reason });
        return reason === undefined;
    });

    const configOf = edgeStackConfigs(regionalRaw, project);
    const tasks = interleaveByTenant(selected).map((f): EdgeStackTask => {
        const config = configOf(f.id);
        parseStackConfig(config, f.edgeStack, project); // throws naming the key at fault
        return { facilityId: f.id, tenant: f.tenant, stack: f.edgeStack, config };
    });
    const waves: EdgeStackTask[][] = [];
    let start = 0;
    for (const size of waveSizes(tasks.length, options.canary ?? 3, options.growth ?? 4, options.maxWaveSize ?? 200)) {
        waves.push(tasks.slice(start, start + size));
        start += size;
    }
    return { regionalStack, regional: options.regional ?? "last", waves, skipped };
}
