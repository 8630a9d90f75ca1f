/**
 * Cloud fallback, the program-time half: a facility whose edge is lost (fire, theft, a dead disk)
 * keeps working from a **workspace** in its own region: a database of its own on the regional
 * server, taking the edge's place in the replication mesh.
 *
 *   mode "edge"      (default) the edge is the facility's writer;
 *   mode "fallback"  the edge node is frozen (offline: nothing is asked of the lost server) and
 *                    the workspace node `<edge>_fallback` gets every flow the edge had: it publishes
 *                    the facility's rows to the regional subscribers (copy_data off: they have
 *                    them) and receives the tenant's master data. The workspace is seeded from the
 *                    region's copy and opened to the facility's login by {@link FacilityFallback};
 *   mode "return"    a new edge stands at the facility's address: the edge node is live again, the
 *                    workspace is drained (its login closed, its last changes at the region) and
 *                    the new edge seeded from the region; the workspace is then removed.
 *
 * Pure: no Pulumi runtime, no connections. The mesh's own validation (sovereignty, loops,
 * capacity) runs on the result as on any other plan.
 */
import { SovereigntyError, ValidationError, oneOf } from "../shared/errors";
import type { Zone } from "../shared/sovereignty";
import type { MeshFlow, NodeRole } from "../replication/args";

/** Who writes a facility's operational rows. */
export type FacilityMode = "edge" | "fallback" | "return";

export const FACILITY_MODES: readonly FacilityMode[] = ["edge", "fallback", "return"];

/** Checks a mode value; the error names `field`. */
export function assertFacilityMode(field: string, value: unknown): FacilityMode {
    if (typeof value === "string" && (FACILITY_MODES as readonly string[]).includes(value)) return value as FacilityMode;
    throw new ValidationError(field, `${JSON.stringify(value)} is not a facility mode`, oneOf(FACILITY_MODES));
}

/** `edge_la_001` -> `edge_la_001_fallback`: the workspace's mesh node name, and its database's name. */
export function fallbackNodeName(edgeNode: string): string {
    return `${edgeNode}_fallback`;
}

/** `edge_la_001` -> `edge_la_001_app`: the facility login a workspace opens (one role per facility: roles are per server). */
export function fallbackLoginUser(edgeNode: string): string {
    return `${edgeNode}_app`;
}

/** What a mesh node must have for the rewrite (MeshNode and the stacks' planned nodes both do). */
export interface FallbackNodeLike {
    name: string;
    zone: Zone;
    role: NodeRole;
    offline?: boolean;
    external?: boolean;
}

export interface FallbackPlan<N> {
    nodes: N[];
    flows: MeshFlow[];
}

/**
 * The mesh with `edgeNode`'s facility served from `workspace` (mode "fallback"): the edge node
 * frozen, the workspace added with a copy of every flow from and to the edge. `field` names the
 * setting that asked for it, in errors. The workspace must be named {@link fallbackNodeName}, be an
 * edge-role node (it is the facility's writer now: no edge-priority guard on it, the regional
 * nodes keep theirs) and sit in the edge's zone (the facility's data stays in its zone).
 */
export function fallbackPlan<N extends FallbackNodeLike>(field: string, nodes: readonly N[], flows: readonly MeshFlow[], edgeNode: string, workspace: N): FallbackPlan<N> {
    const edge = nodes.find((n) => n.name === edgeNode);
    if (edge === undefined) throw new ValidationError(field, `no mesh node "${edgeNode}" to fall back from`, oneOf(nodes.filter((n) => n.role === "edge").map((n) => n.name)));
    if (edge.role !== "edge" || edge.external) throw new ValidationError(field, `mesh node "${edgeNode}" is not an edge this stack manages`, "an edge node");
    if (workspace.name !== fallbackNodeName(edgeNode)) throw new ValidationError(field, `the workspace of "${edgeNode}" must be named "${fallbackNodeName(edgeNode)}", got "${workspace.name}"`);
    if (workspace.role !== "edge") throw new ValidationError(field, `the workspace must be an edge-role node (the facility's writer), got "${workspace.role}"`, '"edge"');
    if (workspace.zone !== edge.zone) {
        throw new SovereigntyError(field, `the workspace of "${edgeNode}" would be in zone "${workspace.zone}", the facility's data is zone "${edge.zone}"`, `a regional server of zone "${edge.zone}"`);
    }
    if (nodes.some((n) => n.name === workspace.name)) throw new ValidationError(field, `mesh node "${workspace.name}" exists already`);
    const own = flows.filter((f) => f.from === edgeNode || f.to === edgeNode);
    if (own.length === 0) throw new ValidationError(field, `mesh node "${edgeNode}" has no flows: there is nothing to fall back`);
    const moved = own.map((flow): MeshFlow => flow.from === edgeNode
        // The subscribers hold the facility's rows already: nothing to copy, the seed fills the workspace.
        ? { ...flow, from: workspace.name, options: { ...flow.options, copyData: false } }
        : { ...flow, to: workspace.name });
    return {
        nodes: [...nodes.map((n) => (n.name === edgeNode ? { ...n, offline: true } : n)), workspace],
        flows: [...flows, ...moved],
    };
}
