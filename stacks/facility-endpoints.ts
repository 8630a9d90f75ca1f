/**
 * A facility's edge database as the regional stack sees it: from the EdgeSite it deploys itself
 * (`edgeDeployment: inline`) or from the facility's own edge stack (`stacks`), read through a
 * `pulumi.StackReference`. Either way the mesh gets the same connection, so moving a facility
 * between the modes changes no replication object.
 *
 * The edge stack's outputs this relies on (stacks/edge.ts exports them):
 *   zone  facilityId  facility { tenant, … }                               plain, checked
 *   databaseEndpoint { host, port, database }   healthUrl   adminUser      plain
 *   adminPassword    replicationPassword                                   secret
 * The zone, the facility id (the row filter of its operational flows) and the tenant (the row
 * filter of its master data) must equal what the regional stack's config says of the facility:
 * a contradiction is refused naming the key, the declared value and the edge stack's.
 */
import * as pulumi from "@pulumi/pulumi";
import { EdgeSite, type PgConnectionInput } from "@agogsaas/pulumi";
import { FacilityConfig, configKey } from "./config";
import { assertStacksAgree } from "./stack-contract";
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
    zone: "zone",
    facilityId: "facilityId",
    facility: "facility",
    databaseEndpoint: "databaseEndpoint",
    healthUrl: "healthUrl",
    adminUser: "adminUser",
    adminPassword: "adminPassword",
    replicationPassword: "replicationPassword",
} as const;

type EdgeStackOutputs = {
    zone: string;
    facilityId: string;
    facility: { tenant?: string };
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

/** What the referencing stack's config says of the facility an edge stack deploys: each key with its value. */
export interface DeclaredEdge {
    zone: { key: string; keyNote?: string; value: string };
    facilityId: { key: string; keyNote?: string; value: string };
    /** Undefined where the referencing stack has no tenant for it. */
    tenant?: { key: string; value: string };
}

/** The edge stack's outputs, checked: a missing one names the stack and the output, a contradicting one the config key (see the file comment). */
export function checkedEdgeStackOutputs(stack: string, declared: DeclaredEdge, outputs: Record<string, unknown>): EdgeStackOutputs {
    for (const name of Object.values(EDGE_OUTPUTS)) {
        if (outputs[name] === undefined) {
            throw new Error(`edge stack ${stack}: it has no output "${name}" (deploy the edge stack, updated, before the regional stack; stacks/edge.ts exports ${Object.values(EDGE_OUTPUTS).join(", ")})`);
        }
    }
    const o = outputs as EdgeStackOutputs;
    assertStacksAgree(`edge stack "${stack}"`, [
        { key: declared.zone.key, keyNote: declared.zone.keyNote, declared: declared.zone.value, output: EDGE_OUTPUTS.zone, exported: o.zone },
        { key: declared.facilityId.key, keyNote: declared.facilityId.keyNote, declared: declared.facilityId.value, output: EDGE_OUTPUTS.facilityId, exported: o.facilityId },
        ...(declared.tenant ? [{ key: declared.tenant.key, declared: declared.tenant.value, output: `${EDGE_OUTPUTS.facility}.tenant`, exported: o.facility.tenant }] : []),
    ]);
    return o;
}

/** What a regional stack's `facilities[index]` declares of the facility. */
export function declaredFacility(facility: FacilityConfig, index: number): DeclaredEdge {
    const path = `${configKey("facilities")}[${index}]`;
    return {
        zone: { key: `${path}.zone`, keyNote: "(default: the stack's zone)", value: facility.zone },
        facilityId: { key: `${path}.id`, value: facility.id },
        tenant: { key: `${path}.tenant`, value: facility.tenant },
    };
}

/** The edge contract's secrets and endpoint as a mesh node's connection (any edge stack, regional or local). */
export function edgeStackConnection(outputs: pulumi.Output<EdgeStackOutputs>): FacilityEndpoint {
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

/**
 * The endpoint published by the facility's own edge stack. Everything is taken from the
 * reference's one `outputs` Output: each `getOutput` costs a chain of its own (about 300 SDK
 * promises), which at 1,000 facilities was a third of the regional stack's evaluation.
 */
export async function edgeStackEndpoint(facility: FacilityConfig, index: number): Promise<FacilityEndpoint> {
    return checkedEdgeStackEndpoint(new pulumi.StackReference(`${facility.id}-edge-stack`, { name: facility.edgeStack }), facility.edgeStack, declaredFacility(facility, index));
}

/**
 * An edge stack's endpoint, checked (presence, zone, facility, tenant) before the caller registers
 * anything, so a contradiction creates nothing. The check runs once, on the reference's one
 * `outputs` Output (see edgeStackEndpoint: a `getOutputDetails` per name would cost a chain each,
 * +36 % on the 1,000-facility regional stack), and this waits for it: a StackReference's outputs
 * are read from the other stack's state, so they are known in previews too.
 */
export async function checkedEdgeStackEndpoint(ref: pulumi.StackReference, stack: string, declared: DeclaredEdge): Promise<FacilityEndpoint> {
    let settle!: (error?: unknown) => void;
    const checkedOnce = new Promise<void>((resolve, reject) => { settle = (error) => (error === undefined ? resolve() : reject(error)); });
    const outputs = ref.outputs.apply((o) => {
        try {
            const checked = checkedEdgeStackOutputs(stack, declared, o);
            settle();
            return checked;
        } catch (error) {
            // Reported through the await below, before anything registers. Not thrown here: nothing
            // consumes this Output then, and its rejection would reach the SDK's handler of unhandled
            // rejections (which formats it with util.inspect: the slow path of stacks/program-error.ts).
            settle(error);
            return undefined as unknown as EdgeStackOutputs;
        }
    });
    await checkedOnce;
    return edgeStackConnection(outputs);
}
