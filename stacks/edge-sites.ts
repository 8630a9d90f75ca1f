/**
 * EdgeSites from facility config, shared by the regional stack (inline fleet mode) and the
 * single-facility edge stack, so a facility deploys identically either way.
 */
import { EdgeSite, EdgeSiteArgs } from "../components/edge-site";
import { validateEdgeSiteArgs } from "../components/edge/args";
import { FacilityConfig, StackConfig, configKey } from "./config";
import { regionalUrls } from "./endpoints";
import { withConfigKeys } from "./rekey";

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
        offline: facility.offline,
        configPath: facilityPath(index),
    };
}

/** Builds and validates the EdgeSite args of every facility; errors name the facility's config path. */
export function planEdgeSites(config: StackConfig): EdgeSitePlan[] {
    return config.facilities.map((facility, index) => {
        const path = facilityPath(index);
        const args = edgeSiteArgs(config, facility, index);
        withConfigKeys({
            [`${path}.facilityId`]: `${path}.id`,
            [`${path}.tenantId`]: `${path}.tenant`,
            [`${path}.regionalApiUrl`]: configKey("publicHostname"),
            [`${path}.regionalHealthUrl`]: configKey("publicHostname"),
            ...Object.fromEntries(Object.entries(facility.imageSources).map(([container, source]) => [`${path}.images.${container}`, source])),
        }, "", () => validateEdgeSiteArgs(facility.id, args));
        return { name: facility.id, facility, args };
    });
}

export function deployEdgeSites(plans: readonly EdgeSitePlan[]): EdgeSite[] {
    return plans.map((plan) => new EdgeSite(plan.name, plan.args));
}

/** Per-facility stack output: what operators look up first. */
export function facilitySummary(site: EdgeSite, plan: EdgeSitePlan): Record<string, unknown> {
    return {
        name: plan.facility.name,
        tenant: plan.facility.tenant,
        size: plan.facility.size,
        offline: site.offline,
        healthUrl: site.healthUrl,
        database: site.databaseEndpoint,
    };
}
