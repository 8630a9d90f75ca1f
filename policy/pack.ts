/**
 * The pack's name, defaults and policy list, shared by `index.ts` (which serves them to the
 * Pulumi engine) and the offline evaluator (tools/policy), which must not start the engine's
 * gRPC server that constructing a PolicyPack does.
 */
import type { PolicyPackArgs } from "@pulumi/policy";
import { backupPolicies } from "./policies/backups";
import { containerPolicies } from "./policies/containers";
import { dataProtectionPolicies } from "./policies/data-protection";
import { envSecretPolicies } from "./policies/env-secrets";
import { federationPolicies } from "./policies/federation";
import { locationPolicies } from "./policies/location";
import { networkPolicyPolicies } from "./policies/network-policies";
import { replicationPolicies } from "./policies/replication";
import { residencyTagPolicies } from "./policies/residency-tags";

export const PACK_NAME = "agogsaas-sovereignty";

export const packArgs: PolicyPackArgs = {
    description: "Data-sovereignty guard rails for the agogsaas edge-to-cloud platform.",
    // Every policy states its own level; this only covers a policy that forgets to.
    enforcementLevel: "mandatory",
    policies: [
        ...locationPolicies,
        ...residencyTagPolicies,
        ...replicationPolicies,
        ...backupPolicies,
        ...federationPolicies,
        ...dataProtectionPolicies,
        ...envSecretPolicies,
        ...containerPolicies,
        ...networkPolicyPolicies,
    ],
};
