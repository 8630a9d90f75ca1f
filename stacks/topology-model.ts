/**
 * The topology picture: a Mermaid flowchart of a stack's mesh, drawn from a plain,
 * JSON-serialisable description (the stacks export one as the `topology` output, so the synth CLI
 * can draw it from the synth JSON without running anything).
 *
 * Sovereignty zones are the outer subgraphs, tiers (global / regional / edge) the inner ones;
 * replication flows are edges labelled with their tables and row filter. Flows that cross zones
 * are drawn thick; disabled flows (an offline facility's subscription) dotted.
 */
import { ValidationError, ZONES, Zone } from "@agogsaas/pulumi";
import { oneOf } from "../components/shared/errors";
import { ZONE_RULES, assertZone, mayCrossZones } from "../components/shared/sovereignty";

export type TopologyTier = "edge" | "regional" | "global";

export const TOPOLOGY_TIERS: readonly TopologyTier[] = ["global", "regional", "edge"];

/** A database or service in the picture. */
export interface TopologyNode {
    /** Unique id, referenced by flows (e.g. `facility-la-001`, `us-east/blue`). */
    id: string;
    /** Text shown in the box. Default: the id. */
    label?: string;
    tier: TopologyTier;
    zone: Zone;
    /** A second line (e.g. `medium · NUC`, `RDS PostgreSQL 16`). Default none. */
    detail?: string;
    /** An offline facility (drawn dashed). Default false. */
    offline?: boolean;
}

/** A row filter as the ReplicationMesh states it, or already formatted text. */
export type TopologyFilter = string | { column: string; equals: string };

/** A replication flow: `from` publishes `tables`, `to` subscribes. */
export interface TopologyFlow {
    from: string;
    to: string;
    tables: string[];
    /** Row filter. Default none. */
    filter?: TopologyFilter;
    /** The subscription is disabled (e.g. the facility is offline). Default false. */
    disabled?: boolean;
}

/** A stack's mesh topology: what the stacks export as the `topology` output. */
export interface Topology {
    /** Title, usually the stack name. Default none. */
    title?: string;
    nodes: TopologyNode[];
    flows: TopologyFlow[];
}

const TIER_TITLES: Readonly<Record<TopologyTier, string>> = {
    global: "Global: federation gateway",
    regional: "Regional cloud",
    edge: "Edge: factories",
};

/** Mermaid ids: letters, digits and underscores only. */
function mermaidId(prefix: string, id: string): string {
    return `${prefix}_${id.replace(/[^A-Za-z0-9]/g, "_")}`;
}

/** Text inside `"..."`: Mermaid's entity codes for the characters that would end it. */
function text(value: string): string {
    return value.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

function filterText(filter: TopologyFilter | undefined): string | undefined {
    if (filter === undefined) return undefined;
    return typeof filter === "string" ? filter : `${filter.column} = '${filter.equals}'`;
}

function nodeShape(node: TopologyNode): string {
    const lines = [node.label ?? node.id, ...(node.detail ? [node.detail] : []), ...(node.offline ? ["OFFLINE"] : [])].map(text);
    const label = `"${lines.join("<br/>")}"`;
    // Databases as cylinders, the gateway as a hexagon.
    return node.tier === "global" ? `{{${label}}}` : `[(${label})]`;
}

/** Checks the description: unique node ids, known zones and tiers, flows between known nodes. */
export function validateTopology(topology: Topology): void {
    if (topology === null || typeof topology !== "object" || !Array.isArray(topology.nodes) || !Array.isArray(topology.flows)) {
        throw new ValidationError("topology", "must be an object with nodes and flows arrays");
    }
    const ids = new Set<string>();
    topology.nodes.forEach((node, i) => {
        const at = `topology.nodes[${i}]`;
        if (typeof node.id !== "string" || node.id === "") throw new ValidationError(`${at}.id`, "a node id is required");
        if (ids.has(node.id)) throw new ValidationError(`${at}.id`, `duplicate node id "${node.id}"`);
        ids.add(node.id);
        assertZone(`${at}.zone`, node.zone);
        if (!TOPOLOGY_TIERS.includes(node.tier)) throw new ValidationError(`${at}.tier`, `unknown tier ${JSON.stringify(node.tier)}`, oneOf(TOPOLOGY_TIERS));
    });
    topology.flows.forEach((flow, i) => {
        const at = `topology.flows[${i}]`;
        for (const end of ["from", "to"] as const) {
            if (!ids.has(flow[end])) throw new ValidationError(`${at}.${end}`, `unknown node ${JSON.stringify(flow[end])}`, oneOf([...ids]));
        }
        if (!Array.isArray(flow.tables) || flow.tables.length === 0) throw new ValidationError(`${at}.tables`, "a flow carries at least one table");
    });
}

/**
 * Draws the topology as a Mermaid flowchart (text for a ```mermaid block or a `.mmd` file).
 * A cross-zone flow carrying a table that may not leave its zone is drawn in red and labelled
 * as a violation: the picture never hides what the mesh validator would refuse.
 */
export function topologyToMermaid(topology: Topology): string {
    validateTopology(topology);
    const zoneOf = new Map(topology.nodes.map((n) => [n.id, n.zone] as const));
    const out: string[] = ["flowchart TB"];
    if (topology.title) out.splice(0, 0, "---", `title: ${text(topology.title)}`, "---");

    for (const zone of ZONES) {
        const inZone = topology.nodes.filter((n) => n.zone === zone);
        if (inZone.length === 0) continue;
        out.push(`  subgraph ${mermaidId("zone", zone)}["Zone ${zone}: ${text(ZONE_RULES[zone].description)}"]`);
        for (const tier of TOPOLOGY_TIERS) {
            const nodes = inZone.filter((n) => n.tier === tier);
            if (nodes.length === 0) continue;
            out.push(`    subgraph ${mermaidId(`tier_${zone}`, tier)}["${TIER_TITLES[tier]}"]`);
            for (const node of nodes) out.push(`      ${mermaidId("n", node.id)}${nodeShape(node)}`);
            out.push("    end");
        }
        out.push("  end");
    }

    const styles: string[] = [];
    topology.flows.forEach((flow, index) => {
        const crossZone = zoneOf.get(flow.from) !== zoneOf.get(flow.to);
        const violation = crossZone && flow.tables.some((t) => !mayCrossZones(t));
        const label = [
            flow.tables.join(", "),
            ...(filterText(flow.filter) ? [`where ${filterText(flow.filter)}`] : []),
            ...(flow.disabled ? ["(disabled)"] : []),
            ...(violation ? ["SOVEREIGNTY VIOLATION"] : []),
        ].map(text).join("<br/>");
        const arrow = flow.disabled ? "-.->" : crossZone ? "==>" : "-->";
        out.push(`  ${mermaidId("n", flow.from)} ${arrow}|"${label}"| ${mermaidId("n", flow.to)}`);
        if (violation) styles.push(`  linkStyle ${index} stroke:#d00,stroke-width:3px`);
        else if (crossZone) styles.push(`  linkStyle ${index} stroke:#06c,stroke-width:2px`);
    });

    const offline = topology.nodes.filter((n) => n.offline).map((n) => mermaidId("n", n.id));
    out.push(...styles);
    if (offline.length > 0) {
        out.push("  classDef offline stroke-dasharray: 5 5,stroke:#999,color:#999");
        out.push(`  class ${offline.join(",")} offline`);
    }
    return `${out.join("\n")}\n`;
}

/** Reads a `topology` value from stack outputs (JSON), or undefined when the stack exports none. */
export function topologyFromOutputs(outputs: Record<string, unknown>): Topology | undefined {
    const value = outputs.topology;
    return value === undefined ? undefined : (value as Topology);
}
