/**
 * The edge tier: one facility as a stack of its own (`tier: edge`, e.g. Pulumi.edge-la-001.yaml),
 * for drop-in at the site and for fleets where each factory is updated on its own schedule.
 */
import { StackConfig } from "./config";
import { deployEdgeSites, facilitySummary, planEdgeSites } from "./edge-sites";
import type { StackOutputs } from "./program";

export function deployEdge(config: StackConfig): StackOutputs {
    // config.ts guarantees exactly one facility on an edge stack.
    const [plan] = planEdgeSites(config);
    const [site] = deployEdgeSites([plan]);
    return {
        tier: config.tier,
        zone: config.zone,
        facilityId: site.facilityId,
        facility: facilitySummary(site, plan),
        databaseEndpoint: site.databaseEndpoint,
        replicationCredentials: site.replicationCredentials,
    };
}
