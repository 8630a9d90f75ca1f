/**
 * Validation of a mesh before anything is created. Every rule throws a ValidationError (or a
 * SovereigntyError) naming the node or flow index and field, with what is allowed.
 *
 * Rules, in the order they are checked:
 *  1. nodes: unique plain-identifier names (<= 26 characters so derived object names fit in 63),
 *     known zone and role, capacity numbers sane;
 *  2. flows: known `from`/`to` (different), tables are plain identifiers and in TABLE_CATALOG,
 *     no duplicate (from, to) pair (one publication/subscription per pair), options valid;
 *  3. row filter: valid shape and values, column present in every table of the flow, and part of
 *     every table's primary key (replica identity) when the flow publishes UPDATE or DELETE —
 *     otherwise PostgreSQL refuses the update/delete at the publisher;
 *  4. sovereignty: a flow between zones carries only aggregate, non-personal tables;
 *  5. two-way pairs: flows A->B and B->A sharing a table replicate with `origin = none` (neither
 *     forwards what it received); the later-declared direction gets `copy_data = false` because the
 *     initial copy cannot filter by origin;
 *  6. loops: per table, the flows carrying it form a directed graph. A change made at X travels one
 *     hop on any flow, and further only along `origin = any` flows. So a cycle is a loop (changes
 *     come back to where they started, or circle forever) when at most one of its flows has
 *     `origin = none`. Two-way pairs and rings made only of `origin = none` flows are fine.
 *  7. capacity: per PostgreSQL server (nodes sharing `server`), subscriptions applied there must
 *     fit `max_logical_replication_workers`, and flows published from there must fit both
 *     `max_replication_slots` and `max_wal_senders`.
 *
 * Pure: no Pulumi runtime imports.
 */
import { ValidationError, oneOf } from "../errors";
import { TABLE_CATALOG, assertKnownTables, assertTablesMayFlow, assertZone } from "../sovereignty";
import { POSTGRES_DEFAULTS, ReplicationCapacity, assertReplicationCapacity } from "../replication-capacity";
import { assertSqlIdentifier } from "../postgres/sql";
import { assertRowFilter } from "./row-filter";
import { flowObjectName } from "./naming";
import {
    DEFAULT_FLOW_OPTIONS, FlowOptions, MeshFlow, MeshNode, NODE_ROLES, PUBLISH_ACTIONS, PlannedFlow,
} from "./types";

/** Longest node name: `mesh_<from>_to_<to>` must fit PostgreSQL's 63-byte names. */
export const MAX_NODE_NAME_LENGTH = 26;

/** The validated mesh: nodes by name and flows with their effective options and names. */
export interface MeshPlan {
    nodes: Map<string, MeshNode>;
    flows: PlannedFlow[];
}

function assertBoolean(field: string, value: unknown): void {
    if (value !== undefined && typeof value !== "boolean") {
        throw new ValidationError(field, `must be true or false, got ${JSON.stringify(value)}`);
    }
}

function validateNodes(nodes: readonly MeshNode[]): Map<string, MeshNode> {
    if (!Array.isArray(nodes) || nodes.length === 0) {
        throw new ValidationError("nodes", "at least one node is required");
    }
    const byName = new Map<string, MeshNode>();
    nodes.forEach((node, i) => {
        const field = `nodes[${i}]`;
        const name = assertSqlIdentifier(`${field}.name`, node?.name);
        if (name.length > MAX_NODE_NAME_LENGTH) {
            throw new ValidationError(`${field}.name`, `"${name}" is longer than ${MAX_NODE_NAME_LENGTH} characters (derived publication/slot names must fit 63)`);
        }
        if (byName.has(name)) throw new ValidationError(`${field}.name`, `duplicate node name "${name}"`);
        assertZone(`${field}.zone`, node.zone);
        if (!NODE_ROLES.includes(node.role)) {
            throw new ValidationError(`${field}.role`, `unknown role ${JSON.stringify(node.role)}`, oneOf(NODE_ROLES));
        }
        if (node.connection === undefined || node.connection === null) {
            throw new ValidationError(`${field}.connection`, "is required");
        }
        if (node.capacity !== undefined) assertReplicationCapacity(`${field}.capacity`, node.capacity);
        if (node.server !== undefined) assertSqlIdentifier(`${field}.server`, node.server);
        (node.replicationGrantRoles ?? []).forEach((role: string, j: number) => assertSqlIdentifier(`${field}.replicationGrantRoles[${j}]`, role));
        assertBoolean(`${field}.manageSchema`, node.manageSchema);
        assertBoolean(`${field}.offline`, node.offline);
        byName.set(name, node);
    });
    return byName;
}

function effectiveOptions(field: string, options: FlowOptions | undefined): Required<FlowOptions> {
    const merged = { ...DEFAULT_FLOW_OPTIONS, ...(options ?? {}) };
    for (const key of ["copyData", "binary", "disableOnError"] as const) assertBoolean(`${field}.${key}`, merged[key]);
    if (!["off", "on", "parallel"].includes(merged.streaming)) {
        throw new ValidationError(`${field}.streaming`, `unknown value ${JSON.stringify(merged.streaming)}`, oneOf(["off", "on", "parallel"]));
    }
    if (!["any", "none"].includes(merged.origin)) {
        throw new ValidationError(`${field}.origin`, `unknown value ${JSON.stringify(merged.origin)}`, oneOf(["any", "none"]));
    }
    if (!Array.isArray(merged.publish) || merged.publish.length === 0 || merged.publish.some((a) => !PUBLISH_ACTIONS.includes(a))) {
        throw new ValidationError(`${field}.publish`, `must be a non-empty list of actions, got ${JSON.stringify(merged.publish)}`, oneOf(PUBLISH_ACTIONS));
    }
    return { ...merged, publish: PUBLISH_ACTIONS.filter((a) => merged.publish.includes(a)) };
}

function validateFlow(flow: MeshFlow, index: number, nodes: Map<string, MeshNode>): PlannedFlow {
    const field = `flows[${index}]`;
    if (flow === null || typeof flow !== "object") throw new ValidationError(field, "must be an object with from, to and tables");
    for (const end of ["from", "to"] as const) {
        if (!nodes.has(flow[end])) {
            throw new ValidationError(`${field}.${end}`, `unknown node ${JSON.stringify(flow[end])}`, oneOf([...nodes.keys()]));
        }
    }
    if (flow.from === flow.to) throw new ValidationError(`${field}.to`, `a flow cannot replicate node "${flow.from}" into itself`);
    if (!Array.isArray(flow.tables) || flow.tables.length === 0) {
        throw new ValidationError(`${field}.tables`, "at least one table is required");
    }
    flow.tables.forEach((table, j) => assertSqlIdentifier(`${field}.tables[${j}]`, table));
    assertKnownTables(`${field}.tables`, flow.tables);
    const duplicate = flow.tables.find((t, j) => flow.tables.indexOf(t) !== j);
    if (duplicate) throw new ValidationError(`${field}.tables`, `table "${duplicate}" is listed twice`);
    const options = effectiveOptions(`${field}.options`, flow.options);

    if (flow.rowFilter !== undefined) {
        assertRowFilter(`${field}.rowFilter`, flow.rowFilter);
        const column = flow.rowFilter.column;
        const missing = flow.tables.filter((t) => !TABLE_CATALOG[t].columns.includes(column));
        if (missing.length > 0) {
            throw new ValidationError(`${field}.rowFilter.column`,
                `column "${column}" is not in table(s) ${missing.map((t) => `"${t}"`).join(", ")}: a row filter column must exist in every table of the flow`);
        }
        if (options.publish.includes("update") || options.publish.includes("delete")) {
            const notKey = flow.tables.filter((t) => !TABLE_CATALOG[t].primaryKey.includes(column));
            if (notKey.length > 0) {
                throw new ValidationError(`${field}.rowFilter.column`,
                    `column "${column}" is not part of the primary key (replica identity) of ${notKey.map((t) => `"${t}"`).join(", ")}: ` +
                    "PostgreSQL would refuse UPDATE/DELETE on the publisher. Filter on a key column, or publish only insert/truncate");
            }
        }
    }
    assertTablesMayFlow(`${field}.tables`, assertZone(`nodes.${flow.from}.zone`, nodes.get(flow.from)!.zone), nodes.get(flow.to)!.zone, flow.tables);
    const name = flowObjectName(flow.from, flow.to);
    return {
        index, from: flow.from, to: flow.to, tables: [...flow.tables], rowFilter: flow.rowFilter,
        options, publicationName: name, subscriptionName: name, twoWay: false,
    };
}

/** Marks two-way pairs: origin none both ways, copy_data false on the later-declared direction. */
function applyTwoWayRules(flows: PlannedFlow[], declared: readonly MeshFlow[]): void {
    for (const flow of flows) {
        const back = flows.find((f) => f.from === flow.to && f.to === flow.from);
        if (!back || !back.tables.some((t) => flow.tables.includes(t))) continue;
        flow.twoWay = true;
        if (declared[flow.index].options?.origin === "any") {
            throw new ValidationError(`flows[${flow.index}].options.origin`,
                `flows[${flow.index}] and flows[${back.index}] replicate "${flow.from}" and "${flow.to}" both ways: origin "any" would send every change back and forth forever`,
                '"none" (the default for two-way pairs)');
        }
        flow.options.origin = "none";
        if (flow.index > back.index) flow.options.copyData = false;
    }
}

/** Per table, refuse cycles with at most one origin=none flow (see rule 6 above). */
function assertNoLoops(flows: PlannedFlow[]): void {
    const tables = [...new Set(flows.flatMap((f) => f.tables))];
    for (const table of tables) {
        const carrying = flows.filter((f) => f.tables.includes(table));
        for (const first of carrying) {
            // Path first.to -> ... -> first.from over forwarding (origin = any) flows, breadth first.
            const previous = new Map<string, PlannedFlow | null>([[first.to, null]]);
            const queue = [first.to];
            while (queue.length > 0) {
                const node = queue.shift()!;
                if (node === first.from) {
                    const path: PlannedFlow[] = [];
                    for (let at = previous.get(node); at; at = previous.get(at.from)) path.unshift(at);
                    const cycle = [first, ...path];
                    const route = [first.from, ...cycle.map((f) => f.to)].join(" -> ");
                    const last = cycle.reduce((a, b) => (a.index > b.index ? a : b));
                    throw new ValidationError(`flows[${last.index}]`,
                        `replication loop for table "${table}": ${route} (flows ${cycle.map((f) => f.index).join(", ")}); ` +
                        "changes would come back to where they started",
                        "a two-way pair between two nodes (origin none), or rings where at least two flows use origin none");
                }
                for (const next of carrying) {
                    if (next.from === node && next.options.origin === "any" && !previous.has(next.to)) {
                        previous.set(next.to, next);
                        queue.push(next.to);
                    }
                }
            }
        }
    }
}

function assertCapacity(nodes: Map<string, MeshNode>, flows: PlannedFlow[]): void {
    const servers = new Map<string, { nodes: string[]; capacity: ReplicationCapacity; field: string }>();
    [...nodes.values()].forEach((node, i) => {
        const key = node.server ?? `node:${node.name}`;
        const entry = servers.get(key) ?? { nodes: [], capacity: node.capacity ?? POSTGRES_DEFAULTS, field: `nodes[${i}].capacity` };
        entry.nodes.push(node.name);
        if (node.capacity) entry.capacity = node.capacity;
        servers.set(key, entry);
    });
    for (const { nodes: members, capacity, field } of servers.values()) {
        const where = members.length > 1 ? `server of nodes ${members.map((n) => `"${n}"`).join(", ")}` : `node "${members[0]}"`;
        const incoming = flows.filter((f) => members.includes(f.to)).length;
        if (incoming > capacity.maxLogicalReplicationWorkers) {
            throw new ValidationError(`${field}.maxLogicalReplicationWorkers`,
                `${where} would apply ${incoming} subscriptions but max_logical_replication_workers is ${capacity.maxLogicalReplicationWorkers}`,
                "raise the capacity (see replication-capacity.ts) or move flows");
        }
        const outgoing = flows.filter((f) => members.includes(f.from)).length;
        const slotsAndSenders = Math.min(capacity.maxReplicationSlots, capacity.maxWalSenders);
        if (outgoing > slotsAndSenders) {
            throw new ValidationError(`${field}.maxReplicationSlots`,
                `${where} would publish ${outgoing} flows but max_replication_slots/max_wal_senders allow ${slotsAndSenders}`,
                "raise the capacity (see replication-capacity.ts) or move flows");
        }
    }
}

/** Validates nodes and flows and returns the plan. Throws before anything is created. */
export function validateMesh(nodes: readonly MeshNode[], flows: readonly MeshFlow[]): MeshPlan {
    const byName = validateNodes(nodes);
    if (!Array.isArray(flows)) throw new ValidationError("flows", "must be a list");
    const planned = flows.map((flow, i) => validateFlow(flow, i, byName));
    planned.forEach((flow) => {
        const twin = planned.find((other) => other.index < flow.index && other.from === flow.from && other.to === flow.to);
        if (twin) {
            throw new ValidationError(`flows[${flow.index}]`,
                `duplicate flow "${flow.from}" -> "${flow.to}" (also flows[${twin.index}]): merge the tables into one flow`);
        }
    });
    applyTwoWayRules(planned, flows);
    assertNoLoops(planned);
    assertCapacity(byName, planned);
    return { nodes: byName, flows: planned };
}
