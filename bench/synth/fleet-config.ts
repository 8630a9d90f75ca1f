/**
 * Generates the config of a regional stack with N facilities, for the synth benchmark: the real
 * stack config (Pulumi.us-east.yaml, loaded as the CLI would hand it to the program) with its
 * facilities and tenants replaced by a generated fleet. Pure: config in, config out.
 *
 * Facility ids follow the stack's pattern (`facility-<site>-<nnn>`, see
 * components/edge-site/args.ts FACILITY_ID_PATTERN): sites cycle through a list of US site codes and
 * number 001-999 within each site, so any N up to SITES.length × 999 is valid without changing
 * the shape of an id; past that the site code takes a numeric suffix (`la2`).
 */
import { EDGE_SIZE_TIERS } from "../../components/edge-site/sizes";

/** How the fleet is deployed: EdgeSites inside the regional stack, or the regional stack alone (each facility its own edge stack). */
export const FLEET_MODES = ["inline", "regional"] as const;
export type FleetMode = (typeof FLEET_MODES)[number];

/** The stack's `edgeDeployment` value per benchmark mode. */
export const EDGE_DEPLOYMENT_OF_MODE: Readonly<Record<FleetMode, "inline" | "stacks">> = {
    inline: "inline",
    regional: "stacks",
};

/** Site codes the generated facilities cycle through (lowercase letters, 2-16 characters). */
export const SITES = ["la", "dal", "chi", "nyc", "atl", "sea", "den", "phx", "hou", "bos"] as const;

export interface FleetOptions {
    /** Number of facilities. Required, >= 0. */
    facilities: number;
    /** Fleet mode. Default "inline". */
    mode?: FleetMode;
    /** Number of tenants the facilities are spread over (round robin). Default max(2, ceil(facilities / 25)). */
    tenants?: number;
    /** Every `offlineEvery`-th facility is marked offline (0 = none). Default 50. */
    offlineEvery?: number;
    /** Config namespace. Default "agogsaas". */
    project?: string;
}

export interface GeneratedFacility {
    id: string;
    name: string;
    tenant: string;
    dockerHost: string;
    size: string;
    offline?: boolean;
}

export interface GeneratedTenant {
    id: string;
    name: string;
}

/** Default tenant count: about 25 facilities per tenant, at least two tenants. */
export function defaultTenantCount(facilities: number): number {
    return Math.max(2, Math.ceil(facilities / 25));
}

/** The i-th (0-based) facility id: sites round robin, numbered 001-999 per site. */
export function facilityId(index: number): string {
    if (!Number.isInteger(index) || index < 0) throw new RangeError(`facility index must be a non-negative integer, got ${index}`);
    const site = SITES[index % SITES.length];
    const round = Math.floor(index / SITES.length); // 0-based number within the site
    const block = Math.floor(round / 999); // 999 numbers per site code, then la2, la3, ...
    const number = (round % 999) + 1;
    return `facility-${site}${block === 0 ? "" : block + 1}-${String(number).padStart(3, "0")}`;
}

export function tenantId(index: number): string {
    return `tenant-t${String(index + 1).padStart(4, "0")}`;
}

export function generateTenants(count: number): GeneratedTenant[] {
    return Array.from({ length: count }, (_, i) => ({ id: tenantId(i), name: `Tenant ${i + 1}` }));
}

export function generateFacilities(count: number, tenants: readonly GeneratedTenant[], offlineEvery = 50): GeneratedFacility[] {
    if (count > 0 && tenants.length === 0) throw new RangeError("facilities need at least one tenant");
    return Array.from({ length: count }, (_, i): GeneratedFacility => {
        const id = facilityId(i);
        const host = id.replace(/^facility-/, "edge-");
        const facility: GeneratedFacility = {
            id,
            name: `Factory ${i + 1}`,
            tenant: tenants[i % tenants.length].id,
            dockerHost: `ssh://agog@${host}.vpn.agogsaas.example.com`,
            size: EDGE_SIZE_TIERS[i % EDGE_SIZE_TIERS.length],
        };
        if (offlineEvery > 0 && (i + 1) % offlineEvery === 0) facility.offline = true;
        return facility;
    });
}

/**
 * The base stack config with a generated fleet: `facilities`, `tenants` and `edgeDeployment`
 * replaced, everything else (region, versions, images, edgeImages, peers) kept.
 */
export function fleetConfig(base: Readonly<Record<string, string>>, options: FleetOptions): Record<string, string> {
    const count = options.facilities;
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`facilities must be a non-negative integer, got ${count}`);
    const project = options.project ?? "agogsaas";
    const mode = options.mode ?? "inline";
    if (!(FLEET_MODES as readonly string[]).includes(mode)) throw new RangeError(`mode must be one of ${FLEET_MODES.join(", ")}, got ${mode}`);
    const tenantCount = options.tenants ?? defaultTenantCount(count);
    if (!Number.isInteger(tenantCount) || tenantCount < 1) throw new RangeError(`tenants must be a positive integer, got ${tenantCount}`);
    const tenants = generateTenants(tenantCount);
    return {
        ...base,
        [`${project}:tenants`]: JSON.stringify(tenants),
        [`${project}:facilities`]: JSON.stringify(generateFacilities(count, tenants, options.offlineEvery ?? 50)),
        [`${project}:edgeDeployment`]: EDGE_DEPLOYMENT_OF_MODE[mode],
    };
}
