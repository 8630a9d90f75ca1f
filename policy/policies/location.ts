/**
 * Mandatory: AWS resources only in their zone's regions, Azure resources only in their zone's
 * locations. Global services (IAM, Route 53, CloudFront, Organizations, Azure `global`) are exempt,
 * as in awsguard and region-deny SCPs. A region unknown during preview is checked when known.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { ZONE_RULES } from "../../components/shared/sovereignty";
import { ZONE_CONFIG_SCHEMA, configuredZone } from "../lib/config";
import { CLOUDS, Cloud, cloudOf, placementOf } from "../lib/placement";

function placementPolicy(cloud: Cloud, name: string, what: string): ResourceValidationPolicy {
    const key = CLOUDS[cloud].key;
    return {
        name,
        description: `${what} only in the stack's sovereignty zone (per-resource \`${key}\` or the provider's).`,
        enforcementLevel: "mandatory",
        configSchema: ZONE_CONFIG_SCHEMA,
        remediationSteps: `Set \`${CLOUDS[cloud].pkg}:${key}\` (or the resource's \`${key}\`) to one of the zone's ${cloud === "aws" ? "regions" : "locations"}.`,
        validateResource: (args, reportViolation) => {
            if (cloudOf(args.type) !== cloud) return args.notApplicable(`not an ${cloud} resource`);
            const placement = placementOf(args);
            if (placement === undefined) return;
            const zone = configuredZone(args);
            if (placement.zone === zone) return;
            const allowed = cloud === "aws" ? ZONE_RULES[zone].awsRegions : ZONE_RULES[zone].azureLocations;
            reportViolation(
                `${args.type} is placed in ${cloud === "aws" ? "AWS region" : "Azure location"} "${placement.where}" ` +
                    `(from the ${placement.source}), outside sovereignty zone "${zone}" (${ZONE_RULES[zone].description}). ` +
                    `Allowed: ${allowed.join(", ")}.`,
            );
        },
    };
}

export const locationPolicies: ResourceValidationPolicy[] = [
    placementPolicy("aws", "aws-region-in-zone", "AWS resources"),
    placementPolicy("azure", "azure-location-in-zone", "Azure resources"),
];
