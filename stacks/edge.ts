/**
 * The edge tier: one facility as a stack of its own (`tier: edge`, e.g. Pulumi.edge-hou-001.yaml),
 * for drop-in at the site and for fleets where each factory is updated on its own schedule.
 *
 * Its regional stack lists the same facility with `edgeDeployment: stacks` and keeps the
 * regional side (subscriptions, publications, the roles on this database), reading the outputs
 * below through a StackReference (see stacks/facility-endpoints.ts).
 */
import { StackConfig } from "./config";
import { deployEdgeSites, facilitySummary, planEdgeSites } from "./edge-sites";
import { EDGE_OUTPUTS, siteEndpoint } from "./facility-endpoints";
import type { StackOutputs } from "./stack-outputs";

export async function deployEdge(config: StackConfig): Promise<StackOutputs> {
    // config.ts guarantees exactly one facility on an edge stack.
    const [plan] = planEdgeSites(config);
    const [site] = await deployEdgeSites([plan]);
    const endpoint = siteEndpoint(site);
    return {
        tier: config.tier,
        [EDGE_OUTPUTS.zone]: config.zone,
        [EDGE_OUTPUTS.facilityId]: site.facilityId,
        [EDGE_OUTPUTS.facility]: facilitySummary(plan.facility, endpoint, `stack ${config.stack}`),
        [EDGE_OUTPUTS.databaseEndpoint]: site.databaseEndpoint,
        [EDGE_OUTPUTS.healthUrl]: site.healthUrl,
        [EDGE_OUTPUTS.adminUser]: site.adminCredentials.user,
        [EDGE_OUTPUTS.adminPassword]: site.adminCredentials.password,
        [EDGE_OUTPUTS.replicationPassword]: site.replicationCredentials.password,
    };
}
