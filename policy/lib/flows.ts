/**
 * Finds data flows described in a resource's properties without depending on one exact shape:
 * every object with a `tables` list is a flow, and the zones named inside it (keys ending in
 * `zone`/`Zone`, e.g. `publisherZone`, `subscriber.zone`, `from.zone`) are its endpoints' zones.
 * Used for the replication subscriptions (dynamic resources) and the federation gateway config.
 */
import { ZONES, Zone, isZone, mayCrossZones } from "../../components/shared/sovereignty";
import { Props, UNKNOWN, asString, isRecord, knownView } from "./props";

export interface Flow {
    /** Dotted path of the object describing the flow, for messages ("" = the resource itself). */
    path: string;
    tables: string[];
    /** Distinct zones named inside the flow's object. */
    zones: Zone[];
    /** False when a table name is unknown during preview (the known ones are still checked). */
    known: boolean;
}

const MAX_DEPTH = 6;

/** Keys never searched: the serialised dynamic provider of programs on 0.1.x. */
const SKIPPED_KEYS = new Set(["__provider"]);

/** Table names from `tables: ["orders"]` or `tables: [{ name: "orders" }]`; UNKNOWN marks an unknown one. */
function tableNames(value: unknown): (string | typeof UNKNOWN)[] | undefined {
    if (!Array.isArray(value)) return undefined;
    return value.map((t) => (t === UNKNOWN ? UNKNOWN : typeof t === "string" ? t : isRecord(t) ? asString(t.name) ?? asString(t.table) : undefined))
        .filter((t): t is string | typeof UNKNOWN => t !== undefined);
}

function zonesWithin(value: unknown, depth: number, found: Set<Zone>): void {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(value)) {
        for (const item of value) zonesWithin(item, depth + 1, found);
    } else if (isRecord(value)) {
        for (const [key, inner] of Object.entries(value)) {
            if (SKIPPED_KEYS.has(key)) continue;
            if (/zone$/i.test(key) && isZone(inner)) found.add(inner);
            else zonesWithin(inner, depth + 1, found);
        }
    }
}

/**
 * Every flow inside `props` (an object with a `tables` list), with the zones it names. Values
 * unknown during preview are skipped, never read as a violation.
 */
export function findFlows(props: Props): Flow[] {
    const flows: Flow[] = [];
    const visit = (value: unknown, path: string, depth: number): void => {
        if (depth > MAX_DEPTH) return;
        if (Array.isArray(value)) {
            value.forEach((item, i) => visit(item, `${path}[${i}]`, depth + 1));
            return;
        }
        if (!isRecord(value)) return;
        const tables = tableNames(value.tables);
        if (tables !== undefined) {
            const zones = new Set<Zone>();
            zonesWithin(value, 0, zones);
            const known = tables.filter((t): t is string => t !== UNKNOWN);
            flows.push({ path, tables: known, zones: ZONES.filter((z) => zones.has(z)), known: known.length === tables.length });
            return;
        }
        for (const [key, inner] of Object.entries(value)) {
            if (!SKIPPED_KEYS.has(key)) visit(inner, path ? `${path}.${key}` : key, depth + 1);
        }
    };
    visit(knownView(props), "", 0);
    return flows;
}

/** Tables of a flow that may not cross between its zones (none when it stays in one zone). */
export function refusedTables(flow: Flow): string[] {
    return flow.zones.length < 2 ? [] : flow.tables.filter((t) => !mayCrossZones(t));
}
