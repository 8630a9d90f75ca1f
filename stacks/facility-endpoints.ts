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
import type { PgConnectionInput } from "../components/postgres/connection";
import { secretInput } from "../components/postgres/secret-input";

/** What the stack outputs show of a facility's edge computer (plain, never secret). */
export interface FacilityAddresses {
    /** `host:port/database`. */
    databaseEndpoint: string;
    healthUrl: string;
}

export interface FacilityEndpoint {
    /** Admin connection to the edge database for the mesh (secret password; over the site VPN, no TLS on the edge server). */
    connection: pulumi.Input<PgConnectionInput>;
    /** Secret: the password of the replication role the mesh creates on the edge. */
    replicationPassword: pulumi.Output<string>;
    /** For the stack outputs: one value (or one Output of both), not two. */
    addresses: pulumi.Input<FacilityAddresses>;
}

/** Output names of the edge stack contract. */
export const EDGE_OUTPUTS = {
    databaseEndpoint: "databaseEndpoint",
    healthUrl: "healthUrl",
    adminUser: "adminUser",
    adminPassword: "adminPassword",
    replicationPassword: "replicationPassword",
} as const;

type EdgeStackOutputs = {
    databaseEndpoint: { host: string; port: number; database: string };
    healthUrl: string;
    adminUser: string;
    adminPassword: string;
    replicationPassword: string;
};

export function siteEndpoint(site: EdgeSite): FacilityEndpoint {
    const { host, port, database } = site.databaseEndpoint;
    return {
        connection: { host, port, database, user: site.adminCredentials.user, password: site.adminCredentials.password, ssl: "disable" },
        replicationPassword: site.replicationCredentials.password,
        addresses: { databaseEndpoint: `${host}:${port}/${database}`, healthUrl: site.healthUrl },
    };
}

/** The edge stack's outputs, checked: a missing one names the stack and the output. */
function edgeStackOutputs(stack: string, outputs: Record<string, unknown>): EdgeStackOutputs {
    for (const name of Object.values(EDGE_OUTPUTS)) {
        if (outputs[name] === undefined) {
            throw new Error(`edge stack ${stack}: it has no output "${name}" (deploy the edge stack before the regional stack; stacks/edge.ts exports ${Object.values(EDGE_OUTPUTS).join(", ")})`);
        }
    }
    return outputs as EdgeStackOutputs;
}

/**
 * The endpoint published by the facility's own edge stack. Everything is taken from the
 * reference's one `outputs` Output: each `getOutput` costs a chain of its own (about 300 SDK
 * promises), which at 1,000 facilities was a third of the regional stack's evaluation.
 */
export function edgeStackEndpoint(facility: FacilityConfig): FacilityEndpoint {
    const ref = new pulumi.StackReference(`${facility.id}-edge-stack`, { name: facility.edgeStack });
    const outputs = ref.outputs.apply((o) => edgeStackOutputs(facility.edgeStack!, o));
    const addresses = pulumi.unsecret(outputs.apply((o): FacilityAddresses => ({
        databaseEndpoint: `${o.databaseEndpoint.host}:${o.databaseEndpoint.port}/${o.databaseEndpoint.database}`,
        healthUrl: o.healthUrl,
    })));
    return {
        // secretInput: the mesh reuses this very wrapper for the node instead of wrapping it again.
        connection: secretInput(outputs.apply((o): PgConnectionInput => ({
            host: o.databaseEndpoint.host, port: o.databaseEndpoint.port, database: o.databaseEndpoint.database,
            user: o.adminUser, password: o.adminPassword, ssl: "disable",
        }))),
        replicationPassword: secretInput(outputs.replicationPassword),
        addresses,
    };
}
