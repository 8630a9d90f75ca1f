/**
 * A facility's edge database as the regional stack sees it: from the EdgeSite it deploys itself
 * (`edgeDeployment: inline`) or from the facility's own edge stack (`stacks`), read through a
 * `pulumi.StackReference`. Either way the mesh gets the same connection, so moving a facility
 * between the modes changes no replication object.
 *
 * The edge stack's outputs this relies on (stacks/edge.ts exports them):
 *   databaseEndpoint { host, port, database }   healthUrl   adminUser      plain
 *   adminPassword    replicationPassword                                   secret
 */
import * as pulumi from "@pulumi/pulumi";
import { EdgeSite } from "../components/edge-site";
import { FacilityConfig } from "./config";

export interface FacilityEndpoint {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    database: pulumi.Input<string>;
    adminUser: pulumi.Input<string>;
    /** Secret. */
    adminPassword: pulumi.Output<string>;
    /** Secret: the password of the replication role the mesh creates on the edge. */
    replicationPassword: pulumi.Output<string>;
    healthUrl: pulumi.Input<string>;
}

/** Output names of the edge stack contract. */
export const EDGE_OUTPUTS = {
    databaseEndpoint: "databaseEndpoint",
    healthUrl: "healthUrl",
    adminUser: "adminUser",
    adminPassword: "adminPassword",
    replicationPassword: "replicationPassword",
} as const;

export function siteEndpoint(site: EdgeSite): FacilityEndpoint {
    return {
        ...site.databaseEndpoint,
        adminUser: site.adminCredentials.user,
        adminPassword: site.adminCredentials.password,
        replicationPassword: site.replicationCredentials.password,
        healthUrl: site.healthUrl,
    };
}

/** The endpoint published by the facility's own edge stack. */
export function edgeStackEndpoint(facility: FacilityConfig): FacilityEndpoint {
    const ref = new pulumi.StackReference(`${facility.id}-edge-stack`, { name: facility.edgeStack });
    const endpoint = ref.getOutput(EDGE_OUTPUTS.databaseEndpoint) as pulumi.Output<{ host: string; port: number; database: string }>;
    return {
        host: endpoint.host,
        port: endpoint.port,
        database: endpoint.database,
        adminUser: ref.getOutput(EDGE_OUTPUTS.adminUser) as pulumi.Output<string>,
        adminPassword: pulumi.secret(ref.getOutput(EDGE_OUTPUTS.adminPassword) as pulumi.Output<string>),
        replicationPassword: pulumi.secret(ref.getOutput(EDGE_OUTPUTS.replicationPassword) as pulumi.Output<string>),
        healthUrl: ref.getOutput(EDGE_OUTPUTS.healthUrl) as pulumi.Output<string>,
    };
}

/** The edge database as a mesh admin connection (over the site VPN, no TLS on the edge server). */
export function facilityConnection(endpoint: FacilityEndpoint) {
    return {
        host: endpoint.host, port: endpoint.port, database: endpoint.database,
        user: endpoint.adminUser, password: endpoint.adminPassword, ssl: "disable" as const,
    };
}
