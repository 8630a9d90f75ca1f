/**
 * Mandatory: the federation gateway pulls only aggregate data across zones. The gateway's
 * generated config (a ConfigMap entry, JSON or YAML, e.g. `subgraphs.json`) states the gateway's
 * `zone` and lists its `subgraphs`, each with its `zone` and what it serves: catalog `tables`
 * and/or `types: [{ type, classification }]` (the classification its `@tag`s give each GraphQL
 * type). A subgraph in another zone than the gateway's may serve only aggregate, non-personal
 * data, and must say what it serves (otherwise nothing can be verified: fail closed).
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import * as YAML from "yaml";
import { DATA_CLASSIFICATIONS, DataClassification, TABLE_CATALOG, Zone, isZone, mayCrossZones } from "../../components/shared/sovereignty";
import { OPTIONAL_ZONE_CONFIG_SCHEMA, optionalZone } from "../lib/config";
import { Props, UNKNOWN, asArray, asString, isRecord, knownView } from "../lib/props";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

export interface Subgraph {
    name: string;
    zone?: Zone;
    /** What the subgraph serves, one entry per table or type; undefined when the config does not say. */
    serves?: { what: string; aggregate: boolean }[];
}

export interface GatewayConfig {
    /** Where in the resource it was found, for messages. */
    source: string;
    /** The gateway's own zone, when the config states it. */
    zone?: Zone;
    subgraphs: Subgraph[];
}

function parseDocument(text: string): unknown {
    try {
        return YAML.parse(text); // YAML is a superset of JSON
    } catch {
        return undefined;
    }
}

function isClassification(value: unknown): value is DataClassification {
    return (DATA_CLASSIFICATIONS as readonly unknown[]).includes(value);
}

/** Tables by the catalog (aggregate and non-personal); types by their stated classification. */
function servedBy(entry: Record<string, any>): Subgraph["serves"] {
    if (!Array.isArray(entry.tables) && !Array.isArray(entry.types)) return undefined;
    const tables = asArray(entry.tables).map((t) => ({
        what: `table ${String(t)}${TABLE_CATALOG[String(t)] ? "" : " (not in the catalog)"}`,
        aggregate: typeof t === "string" && mayCrossZones(t),
    }));
    const types = asArray(entry.types).filter(isRecord).map((t) => ({
        what: `type ${String(t.type ?? t.name)} (${isClassification(t.classification) ? t.classification : "unclassified"})`,
        aggregate: t.classification === "aggregate",
    }));
    return [...tables, ...types];
}

function toSubgraph(entry: unknown, index: number): Subgraph | undefined {
    if (!isRecord(entry)) return undefined;
    return { name: asString(entry.name) ?? `subgraphs[${index}]`, zone: isZone(entry.zone) ? entry.zone : undefined, serves: servedBy(entry) };
}

/** Gateway configs in a resource: ConfigMap documents or a `subgraphs` list in the properties. */
export function gatewayConfigsOf(type: string, props: Props): GatewayConfig[] {
    const view = knownView(props);
    const candidates: { source: string; doc: unknown }[] = [];
    if (type === CONFIG_MAP && isRecord(view.data)) {
        for (const [key, text] of Object.entries(view.data)) {
            if (typeof text === "string") candidates.push({ source: `data.${key}`, doc: parseDocument(text) });
        }
    } else {
        candidates.push({ source: "properties", doc: view });
    }
    return candidates
        .filter((c) => isRecord(c.doc) && Array.isArray(c.doc.subgraphs))
        .map(({ source, doc }) => {
            const record = doc as Record<string, unknown>;
            const zone = record.zone === UNKNOWN ? undefined : record.zone;
            return {
                source,
                zone: isZone(zone) ? zone : undefined,
                subgraphs: asArray(record.subgraphs).map(toSubgraph).filter((s): s is Subgraph => s !== undefined),
            };
        });
}

export const federationPolicies: ResourceValidationPolicy[] = [
    {
        name: "federation-cross-zone-aggregates-only",
        description: "The federation gateway takes only aggregate, non-personal data from subgraphs in other zones.",
        enforcementLevel: "mandatory",
        configSchema: OPTIONAL_ZONE_CONFIG_SCHEMA,
        remediationSteps: "Limit each peer-zone subgraph to aggregate data (tables inventory_snapshots, facility_status; types tagged aggregate) and list it in `tables`/`types`.",
        validateResource: (args, reportViolation) => {
            const configs = gatewayConfigsOf(args.type, args.props);
            if (configs.length === 0) return args.notApplicable("no federation gateway config");
            for (const config of configs) {
                const gatewayZone = optionalZone(args) ?? config.zone;
                if (gatewayZone === undefined) {
                    reportViolation(`${config.source}: the gateway's zone is unknown (set the policy config zone or the config's \`zone\`)`);
                    continue;
                }
                for (const subgraph of config.subgraphs) {
                    if (subgraph.zone === undefined) {
                        reportViolation(`${config.source}: subgraph ${subgraph.name} does not state its zone`);
                    } else if (subgraph.zone !== gatewayZone) {
                        if (subgraph.serves === undefined) {
                            reportViolation(`${config.source}: subgraph ${subgraph.name} is in zone ${subgraph.zone} but does not list the tables or types it serves`);
                            continue;
                        }
                        const refused = subgraph.serves.filter((s) => !s.aggregate).map((s) => s.what);
                        if (refused.length > 0) {
                            reportViolation(
                                `${config.source}: subgraph ${subgraph.name} (zone ${subgraph.zone}) serves ${refused.join(", ")} to the ` +
                                    `gateway in zone ${gatewayZone}: only aggregate, non-personal data crosses zones`,
                            );
                        }
                    }
                }
            }
        },
    },
];
