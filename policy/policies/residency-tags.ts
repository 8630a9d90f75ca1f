/**
 * Mandatory: every data store carries `data-residency` (the stack's zone) and
 * `data-classification` tags or labels. Remediation (enforcement level `remediate`) adds the
 * missing ones: the zone from config and, when unknown, the strictest classification
 * (`personal`), so a remediated store is never treated as less sensitive than it is. A wrong
 * residency tag is never rewritten: it says someone believes the data belongs elsewhere.
 */
import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { DATA_CLASSIFICATIONS, TAG_CLASSIFICATION, TAG_RESIDENCY, residencyTags } from "../../components/shared/sovereignty";
import { ZONE_CONFIG_SCHEMA, configuredZone } from "../lib/config";
import { addLabels, isDataStore, labelsOf } from "../lib/data-stores";

/** Classification used by the remediation when a store has none: assume the most sensitive. */
export const REMEDIATION_CLASSIFICATION = "personal";

export const residencyTagPolicies: ResourceValidationPolicy[] = [
    {
        name: "data-store-residency-tags",
        description: `Data stores carry \`${TAG_RESIDENCY}\` (the stack's zone) and \`${TAG_CLASSIFICATION}\` tags or labels.`,
        enforcementLevel: "mandatory",
        configSchema: ZONE_CONFIG_SCHEMA,
        remediationSteps:
            "Tag the store with residencyTags(zone, classification) from components/shared/sovereignty.ts, or run the pack " +
            "with this policy at enforcement level `remediate` to add the missing tags.",
        validateResource: (args, reportViolation) => {
            if (!isDataStore(args.type)) return args.notApplicable("not a data store");
            const zone = configuredZone(args);
            const labels = labelsOf(args.type, args.props);
            const residency = labels[TAG_RESIDENCY];
            const classification = labels[TAG_CLASSIFICATION];
            if (residency === undefined) reportViolation(`data store has no \`${TAG_RESIDENCY}\` tag; expected "${zone}"`);
            else if (residency !== zone) {
                reportViolation(`data store is tagged \`${TAG_RESIDENCY}=${residency}\` but this stack is in zone "${zone}"`);
            }
            if (classification === undefined) {
                reportViolation(`data store has no \`${TAG_CLASSIFICATION}\` tag; expected one of ${DATA_CLASSIFICATIONS.join(", ")}`);
            } else if (!(DATA_CLASSIFICATIONS as readonly string[]).includes(classification)) {
                reportViolation(`\`${TAG_CLASSIFICATION}=${classification}\` is not one of ${DATA_CLASSIFICATIONS.join(", ")}`);
            }
        },
        remediateResource: (args: ResourceValidationArgs) => {
            if (!isDataStore(args.type)) return undefined;
            const labels = labelsOf(args.type, args.props);
            if (labels[TAG_RESIDENCY] !== undefined && labels[TAG_CLASSIFICATION] !== undefined) return undefined;
            return addLabels(args.type, args.props, residencyTags(configuredZone(args), REMEDIATION_CLASSIFICATION));
        },
    },
];
