/**
 * Mandatory: replication that crosses sovereignty zones carries only aggregate, non-personal
 * tables (`mayCrossZones` in the catalog). The ReplicationMesh realises publications and
 * subscriptions as resources of the package's provider plugin (`agogsaas:*`; programs on 0.1.x:
 * dynamic resources); their inputs list the tables and the zones of publisher and subscriber. The stack's zone (optional config) counts as one end: a subscription
 * in the us stack naming only an eu publisher still crosses zones.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { TABLE_CATALOG, ZONES, tablesOfClass } from "../../components/shared/sovereignty";
import { OPTIONAL_ZONE_CONFIG_SCHEMA, optionalZone } from "../lib/config";
import { Flow, findFlows, refusedTables } from "../lib/flows";
import { LEGACY_DYNAMIC_TYPE, isPgResourceType } from "../../components/postgres/providers/resource-types";

function describe(table: string): string {
    const spec = TABLE_CATALOG[table];
    return spec === undefined ? `"${table}" (not in the catalog)` : `"${table}" (${spec.class}${spec.personal ? ", personal" : ""})`;
}

export const replicationPolicies: ResourceValidationPolicy[] = [
    {
        name: "replication-cross-zone-aggregates-only",
        description: "Replication across sovereignty zones carries only aggregate, non-personal tables.",
        enforcementLevel: "mandatory",
        configSchema: OPTIONAL_ZONE_CONFIG_SCHEMA,
        remediationSteps: `Only ${tablesOfClass("aggregate").join(", ")} may flow between zones; keep other tables on links inside the zone.`,
        validateResource: (args, reportViolation) => {
            if (!isPgResourceType(args.type) && args.type !== LEGACY_DYNAMIC_TYPE) return args.notApplicable("not a PostgreSQL replication resource");
            const stackZone = optionalZone(args);
            for (const found of findFlows(args.props)) {
                const flow: Flow = stackZone === undefined || found.zones.includes(stackZone)
                    ? found
                    : { ...found, zones: ZONES.filter((z) => z === stackZone || found.zones.includes(z)) };
                const refused = refusedTables(flow);
                if (refused.length > 0) {
                    reportViolation(
                        `${flow.path || "replication"} moves ${refused.map(describe).join(", ")} between zones ` +
                            `${flow.zones.join(" and ")}: only aggregate, non-personal tables cross zones`,
                    );
                }
            }
        },
    },
];
