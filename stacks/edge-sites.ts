/**
 * EdgeSites from facility config, shared by the regional stack (inline fleet mode) and the
 * single-facility edge stack, so a facility deploys identically either way.
 */
import * as pulumi from "@pulumi/pulumi";
import { EdgeBackupArgs, EdgeSite, EdgeSiteArgs, validateEdgeSiteArgs } from "@agogsaas/pulumi";
import { FacilityConfig, StackConfig, configKey } from "./config";
import { regionalUrls } from "./endpoints";
import { withConfigKeys } from "./rekey";
import { EDGE_REPLICATION } from "./mesh";
import { FacilityAddresses, FacilityEndpoint } from "./facility-endpoints";

export interface EdgeSitePlan {
    /** Component name: the facility id (stable whichever stack deploys it). */
    name: string;
    facility: FacilityConfig;
    args: EdgeSiteArgs;
}

function facilityPath(index: number): string {
    return `${configKey("facilities")}[${index}]`;
}

export function edgeSiteArgs(config: StackConfig, facility: FacilityConfig, index: number): EdgeSiteArgs {
    const urls = regionalUrls(config.publicHostname);
    return {
        facilityId: facility.id,
        tenantId: facility.tenant,
        zone: facility.zone,
        dockerHost: facility.dockerHost,
        size: facility.size,
        images: facility.images,
        production: config.environment === "production",
        regionalApiUrl: urls.apiUrl,
        regionalHealthUrl: urls.edgeHealthUrl,
        // Offline: EdgeSite keeps the resources declared but frozen (nothing asked of the host).
        // In fallback the host is lost: frozen likewise, until a new edge stands at its address.
        offline: facility.offline || facility.mode === "fallback",
        // Both colours subscribe to the edge (see stacks/mesh.ts): its slots and senders are sized for that.
        replication: EDGE_REPLICATION,
        backup: secretCredentials(facility.backup),
        configPath: facilityPath(index),
    };
}

/** The off-site credentials come from stack config (`--secret`): kept secret from here on. */
function secretCredentials(backup: EdgeBackupArgs | undefined): EdgeBackupArgs | undefined {
    const offsite = backup?.offsite;
    if (offsite === undefined) return backup;
    return {
        ...backup,
        offsite: offsite.cloud === "aws"
            ? { ...offsite, accessKeyId: pulumi.secret(offsite.accessKeyId), secretAccessKey: pulumi.secret(offsite.secretAccessKey) }
            : { ...offsite, sasUrl: pulumi.secret(offsite.sasUrl) },
    };
}

/**
 * Builds and validates the EdgeSite args of the facilities `include` selects (default all);
 * errors name the facility's config path.
 */
export function planEdgeSites(config: StackConfig, include: (facility: FacilityConfig) => boolean = () => true): EdgeSitePlan[] {
    return config.facilities.flatMap((facility, index) => {
        if (!include(facility)) return [];
        const path = facilityPath(index);
        const args = edgeSiteArgs(config, facility, index);
        withConfigKeys({
            [`${path}.facilityId`]: `${path}.id`,
            [`${path}.tenantId`]: `${path}.tenant`,
            [`${path}.regionalApiUrl`]: configKey("publicHostname"),
            [`${path}.regionalHealthUrl`]: configKey("publicHostname"),
            ...Object.fromEntries(Object.entries(facility.imageSources).map(([container, source]) => [`${path}.images.${container}`, source])),
        }, "", () => validateEdgeSiteArgs(facility.id, args));
        return [{ name: facility.id, facility, args }];
    });
}

/** EdgeSites constructed per turn of the event loop (see deployEdgeSites). */
export const SITES_PER_TURN = 20;

/** Whether the EdgeSite at `index` (0-based) starts a new turn of the event loop. */
export function startsTurn(index: number): boolean {
    return index > 0 && index % SITES_PER_TURN === 0;
}

/** Yields to the event loop once (pending registrations settle). */
export function nextTurn(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Constructs the EdgeSites, yielding to the event loop every SITES_PER_TURN sites. The SDK
 * registers a resource through a chain of promises and keeps each of its output properties
 * pending until then: built in one synchronous loop, a 1,000-site fleet holds all of that at once
 * (about half of the peak memory, docs/scale.md). A turn lets finished registrations settle and be
 * collected; the resources, their names and their order are the same.
 */
export async function deployEdgeSites(plans: readonly EdgeSitePlan[]): Promise<EdgeSite[]> {
    const sites: EdgeSite[] = [];
    for (const plan of plans) {
        if (startsTurn(sites.length)) await nextTurn();
        sites.push(new EdgeSite(plan.name, plan.args));
    }
    return sites;
}

/** Per-facility stack output: what operators look up first. */
export interface FacilitySummary extends FacilityAddresses {
    id: string;
    name: string;
    tenant: string;
    size: string;
    status: "online" | "offline";
    /** Who writes its rows (`agogsaas:facilities[i].mode`): edge, fallback (the cloud workspace) or return. */
    mode: string;
    /** `inline`, or `stack <edge stack>`. */
    deployment: string;
}

/** A facility's summary: plain when its addresses are known now (inline), else one Output (edge stack). */
export function facilitySummary(facility: FacilityConfig, endpoint: FacilityEndpoint, deployment?: string): pulumi.Input<FacilitySummary> {
    const known = {
        id: facility.id,
        name: facility.name,
        tenant: facility.tenant,
        size: facility.size,
        status: facility.offline || facility.mode === "fallback" ? "offline" as const : "online" as const,
        mode: facility.mode,
        deployment: deployment ?? (facility.edgeDeployment === "inline" ? "inline" : `stack ${facility.edgeStack}`),
    };
    const addresses = endpoint.addresses;
    return pulumi.Output.isInstance(addresses)
        ? (addresses as pulumi.Output<FacilityAddresses>).apply((a) => ({ ...known, ...a }))
        : { ...known, ...(addresses as FacilityAddresses) };
}

/**
 * The `facilities` stack output: facility id -> summary, as one value. With edge stacks each
 * summary is an Output, and the SDK's stack-output walk awaits every Output it meets one after
 * the other; collected into one Output (`pulumi.all`) it meets one (1.1 s of 9.6 at 1,000
 * facilities, docs/scale.md). Inline (every summary plain) the record itself.
 */
export function facilitySummaries(facilities: readonly FacilityConfig[], endpoints: ReadonlyMap<string, FacilityEndpoint>): pulumi.Input<Record<string, FacilitySummary>> {
    const summaries = Object.fromEntries(facilities.map((facility) => [facility.id, facilitySummary(facility, endpoints.get(facility.id)!)]));
    return Object.values(summaries).some((s) => pulumi.Output.isInstance(s)) ? pulumi.all(summaries) as pulumi.Output<Record<string, FacilitySummary>> : summaries as Record<string, FacilitySummary>;
}
