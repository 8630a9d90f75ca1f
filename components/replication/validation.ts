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
 *     fit `max_logical_replication_workers`, and flows published from there (plus the slots other
 *     stacks' subscribers take for its offered publications) must fit both `max_replication_slots`
 *     and `max_wal_senders`. An `external` node's server is its own stack's to check;
 *  8. external nodes (managed by another stack) only publish, through a named existing
 *     publication; the mesh never creates anything there. Offered publications (`publications`)
 *     sit on managed nodes, and their tables must be allowed into every subscriber zone.
 *
 * Pure: no Pulumi runtime imports.
 */
import { ValidationError, oneOf } from "../shared/errors";
import { TABLE_CATALOG, assertKnownTables, assertTablesMayFlow, assertZone } from "../shared/sovereignty";
import { POSTGRES_DEFAULTS, ReplicationCapacity, assertReplicationCapacity } from "./capacity";
import { assertSqlIdentifier } from "../postgres/sql";
import { assertRowFilter } from "./row-filter";
import { RowFilter } from "./row-filter";
import { flowObjectName, publicationReaderRoleName, replicationRoleName } from "./naming";
import {
    DEFAULT_FLOW_OPTIONS, FlowOptions, MeshFlow, MeshNode, MeshPublication, NODE_ROLES, PUBLISH_ACTIONS, PlannedFlow,
    PlannedPublication, PublishAction,
} from "./args";

/** Longest node name: `mesh_<from>_to_<to>` must fit PostgreSQL's 63-byte names. */
export const MAX_NODE_NAME_LENGTH = 26;

/** The validated mesh: nodes by name, flows with their effective options and names, offered publications. */
export interface MeshPlan {
    nodes: Map<string, MeshNode>;
    flows: PlannedFlow[];
    publications: PlannedPublication[];
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
        assertBoolean(`${field}.external`, node.external);
        if (node.external === true) {
            // Nothing is created on an external node: settings for what the mesh would create there are mistakes.
            const managedOnly = { replicationPassword: node.replicationPassword, replicationGrantRoles: node.replicationGrantRoles, manageSchema: node.manageSchema === true ? true : undefined };
            for (const [key, value] of Object.entries(managedOnly)) {
                if (value !== undefined) {
                    throw new ValidationError(`${field}.${key}`, `is set on external node "${name}", whose objects its own stack manages`, "leave it unset; connection logs in as that node's replication role");
                }
            }
        }
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
    assertTableList(`${field}.tables`, flow.tables);
    const options = effectiveOptions(`${field}.options`, flow.options);
    assertRowFilterFits(field, flow.tables, flow.rowFilter, options.publish);
    assertTablesMayFlow(`${field}.tables`, assertZone(`nodes.${flow.from}.zone`, nodes.get(flow.from)!.zone), nodes.get(flow.to)!.zone, flow.tables);

    if (nodes.get(flow.to)!.external === true) {
        throw new ValidationError(`${field}.to`, `node "${flow.to}" is external: the mesh creates no subscription there (its own stack subscribes)`, "a node managed by this mesh");
    }
    const name = flowObjectName(flow.from, flow.to);
    let publicationName = name;
    if (nodes.get(flow.from)!.external === true) {
        if (flow.publication === undefined) {
            throw new ValidationError(`${field}.publication`, `missing: node "${flow.from}" is external, so the flow subscribes to a publication its own stack offers`, "that publication's name");
        }
        publicationName = assertSqlIdentifier(`${field}.publication`, flow.publication);
    } else if (flow.publication !== undefined) {
        throw new ValidationError(`${field}.publication`, `is only for flows from an external node; the mesh names the publication it creates on "${flow.from}" itself`, "leave it unset");
    }
    return {
        index, from: flow.from, to: flow.to, tables: [...flow.tables], rowFilter: flow.rowFilter,
        options, publicationName, subscriptionName: name, twoWay: false,
    };
}

/** A row filter's column must exist in every table, and be part of each key when updates or deletes are published. */
function assertRowFilterFits(field: string, tables: readonly string[], rowFilter: RowFilter | undefined, publish: readonly PublishAction[]): void {
    if (rowFilter === undefined) return;
    assertRowFilter(`${field}.rowFilter`, rowFilter);
    const column = rowFilter.column;
    const missing = tables.filter((t) => !TABLE_CATALOG[t].columns.includes(column));
    if (missing.length > 0) {
        throw new ValidationError(`${field}.rowFilter.column`,
            `column "${column}" is not in table(s) ${missing.map((t) => `"${t}"`).join(", ")}: a row filter column must exist in every table of the flow`);
    }
    if (publish.includes("update") || publish.includes("delete")) {
        const notKey = tables.filter((t) => !TABLE_CATALOG[t].primaryKey.includes(column));
        if (notKey.length > 0) {
            throw new ValidationError(`${field}.rowFilter.column`,
                `column "${column}" is not part of the primary key (replica identity) of ${notKey.map((t) => `"${t}"`).join(", ")}: ` +
                "PostgreSQL would refuse UPDATE/DELETE on the publisher. Filter on a key column, or publish only insert/truncate");
        }
    }
}

/** Catalog tables given as a non-empty list of distinct plain identifiers. */
function assertTableList(field: string, tables: unknown): string[] {
    if (!Array.isArray(tables) || tables.length === 0) throw new ValidationError(field, "at least one table is required");
    tables.forEach((table, j) => assertSqlIdentifier(`${field}[${j}]`, table));
    assertKnownTables(field, tables);
    const duplicate = tables.find((t, j) => tables.indexOf(t) !== j);
    if (duplicate) throw new ValidationError(field, `table "${duplicate}" is listed twice`);
    return [...tables] as string[];
}

/** Publications offered to other stacks' subscribers: on managed nodes, names unique, tables allowed into every subscriber zone. */
function validatePublications(publications: readonly MeshPublication[], nodes: Map<string, MeshNode>, flows: readonly PlannedFlow[]): PlannedPublication[] {
    if (!Array.isArray(publications)) throw new ValidationError("publications", "must be a list");
    const taken = new Set(flows.map((f) => f.publicationName));
    const roles = new Set([...nodes.keys()].map((n) => replicationRoleName(n)));
    return publications.map((publication, index) => {
        const field = `publications[${index}]`;
        if (publication === null || typeof publication !== "object") throw new ValidationError(field, "must be an object with node, name, tables and subscriberZones");
        const node = nodes.get(publication.node);
        if (!node) throw new ValidationError(`${field}.node`, `unknown node ${JSON.stringify(publication.node)}`, oneOf([...nodes.keys()]));
        if (node.external === true) throw new ValidationError(`${field}.node`, `node "${publication.node}" is external: its own stack offers its publications`, "a node managed by this mesh");
        const name = assertSqlIdentifier(`${field}.name`, publication.name);
        if (taken.has(name)) throw new ValidationError(`${field}.name`, `publication "${name}" is already used by a flow or another offered publication`);
        taken.add(name);
        const tables = assertTableList(`${field}.tables`, publication.tables);
        const publish = effectiveOptions(field, { publish: publication.publish ?? DEFAULT_FLOW_OPTIONS.publish }).publish;
        assertRowFilterFits(field, tables, publication.rowFilter, publish);
        if (!Array.isArray(publication.subscriberZones) || publication.subscriberZones.length === 0) {
            throw new ValidationError(`${field}.subscriberZones`, "at least one zone is required (the zones the subscribing stacks are in)");
        }
        (publication.subscriberZones as readonly unknown[]).forEach((zone: unknown, j: number) => {
            assertTablesMayFlow(`${field}.tables`, assertZone(`nodes.${node.name}.zone`, node.zone), assertZone(`${field}.subscriberZones[${j}]`, zone), tables);
        });
        const subscribers = publication.subscribers ?? 1;
        if (typeof subscribers !== "number" || !Number.isInteger(subscribers) || subscribers < 0) {
            throw new ValidationError(`${field}.subscribers`, `must be an integer >= 0, got ${JSON.stringify(subscribers)}`);
        }
        const roleName = publication.roleName === undefined ? publicationReaderRoleName(name) : assertSqlIdentifier(`${field}.roleName`, publication.roleName);
        if (roles.has(roleName)) throw new ValidationError(`${field}.roleName`, `role "${roleName}" is already used by the mesh`, "a role of its own: it must see nothing but this publication's tables");
        roles.add(roleName);
        return { ...publication, index, name, tables, publish, subscribers, roleName };
    });
}

/** Key of a (from, to) pair; node names are SQL identifiers, so no separator clash. */
function endsKey(from: string, to: string): string {
    return `${from} ${to}`;
}

/** The first flow (in declaration order) per (from, to) pair: lookups stay linear in the number of flows. */
function firstFlowByEnds(flows: readonly PlannedFlow[]): Map<string, PlannedFlow> {
    const byEnds = new Map<string, PlannedFlow>();
    for (const flow of flows) if (!byEnds.has(endsKey(flow.from, flow.to))) byEnds.set(endsKey(flow.from, flow.to), flow);
    return byEnds;
}

/** Marks two-way pairs: origin none both ways, copy_data false on the later-declared direction. */
function applyTwoWayRules(flows: PlannedFlow[], declared: readonly MeshFlow[]): void {
    const byEnds = firstFlowByEnds(flows);
    for (const flow of flows) {
        const back = byEnds.get(endsKey(flow.to, flow.from));
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
        // Forwarding (origin = any) flows out of each node, in declaration order.
        const forwarding = new Map<string, PlannedFlow[]>();
        for (const f of carrying) {
            if (f.options.origin !== "any") continue;
            const out = forwarding.get(f.from);
            if (out) out.push(f);
            else forwarding.set(f.from, [f]);
        }
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
                for (const next of forwarding.get(node) ?? []) {
                    if (!previous.has(next.to)) {
                        previous.set(next.to, next);
                        queue.push(next.to);
                    }
                }
            }
        }
    }
}

function assertCapacity(nodes: Map<string, MeshNode>, flows: PlannedFlow[], publications: PlannedPublication[]): void {
    const servers = new Map<string, { nodes: string[]; capacity: ReplicationCapacity; field: string }>();
    [...nodes.values()].forEach((node, i) => {
        // An external node's server: its own stack counts everything published there.
        if (node.external === true) return;
        const key = node.server ?? `node:${node.name}`;
        const entry = servers.get(key) ?? { nodes: [], capacity: node.capacity ?? POSTGRES_DEFAULTS, field: `nodes[${i}].capacity` };
        entry.nodes.push(node.name);
        if (node.capacity) entry.capacity = node.capacity;
        servers.set(key, entry);
    });
    const count = (ends: string[]) => {
        const counts = new Map<string, number>();
        for (const end of ends) counts.set(end, (counts.get(end) ?? 0) + 1);
        return (members: string[]) => members.reduce((sum, m) => sum + (counts.get(m) ?? 0), 0);
    };
    const incomingOf = count(flows.map((f) => f.to));
    const outgoingOf = count(flows.map((f) => f.from));
    for (const { nodes: members, capacity, field } of servers.values()) {
        const where = members.length > 1 ? `server of nodes ${members.map((n) => `"${n}"`).join(", ")}` : `node "${members[0]}"`;
        const incoming = incomingOf(members);
        if (incoming > capacity.maxLogicalReplicationWorkers) {
            throw new ValidationError(`${field}.maxLogicalReplicationWorkers`,
                `${where} would apply ${incoming} subscriptions but max_logical_replication_workers is ${capacity.maxLogicalReplicationWorkers}`,
                "raise the capacity (see capacity.ts) or move flows");
        }
        // Slots of other stacks' subscribers to the publications offered here count too.
        const outgoing = outgoingOf(members) + publications.filter((p) => members.includes(p.node)).reduce((sum, p) => sum + p.subscribers, 0);
        const slotsAndSenders = Math.min(capacity.maxReplicationSlots, capacity.maxWalSenders);
        if (outgoing > slotsAndSenders) {
            throw new ValidationError(`${field}.maxReplicationSlots`,
                `${where} would publish ${outgoing} flows but max_replication_slots/max_wal_senders allow ${slotsAndSenders}`,
                "raise the capacity (see capacity.ts) or move flows");
        }
    }
}

/** Validates nodes, flows and offered publications and returns the plan. Throws before anything is created. */
export function validateMesh(nodes: readonly MeshNode[], flows: readonly MeshFlow[], publications: readonly MeshPublication[] = []): MeshPlan {
    const byName = validateNodes(nodes);
    if (!Array.isArray(flows)) throw new ValidationError("flows", "must be a list");
    const planned = flows.map((flow, i) => validateFlow(flow, i, byName));
    const byEnds = firstFlowByEnds(planned);
    planned.forEach((flow) => {
        const first = byEnds.get(endsKey(flow.from, flow.to))!;
        const twin = first.index < flow.index ? first : undefined;
        if (twin) {
            throw new ValidationError(`flows[${flow.index}]`,
                `duplicate flow "${flow.from}" -> "${flow.to}" (also flows[${twin.index}]): merge the tables into one flow`);
        }
    });
    applyTwoWayRules(planned, flows);
    assertNoLoops(planned);
    const offered = validatePublications(publications, byName, planned);
    assertCapacity(byName, planned, offered);
    return { nodes: byName, flows: planned, publications: offered };
}
