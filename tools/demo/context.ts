/**
 * What every demo step receives: the running servers, the mesh that was applied, and the narrator
 * for context lines. Steps return checks; they never print verdicts themselves.
 */
import type { ReplicationMeshArgs } from "../../components/replication/replication-mesh";
import type { MeshTopology } from "../../ops/replication/status";
import { validateMesh } from "../../components/replication/validation";
import type { LocalStack } from "../engine/local-stack";
import type { DemoEnvironment } from "./environment";
import type { DemoEvidence } from "./evidence";
import type { Endpoint } from "./in-step";
import type { Narrator } from "./narrator";
import type { DemoNode } from "../../stacks/local-topology";

export interface DemoContext {
    env: DemoEnvironment;
    /** The mesh applied before the steps. */
    mesh: ReplicationMeshArgs;
    narrator: Narrator;
    /** The local stack the real engine deployed (steps that run the engine use it). */
    stack?: LocalStack;
    /** Evidence recorder (AGOGSAAS_DEMO_KEEP); undefined in a normal run. */
    evidence?: DemoEvidence;
}

/** A node's database as a named endpoint. */
export function endpoint(ctx: DemoContext, node: DemoNode): Endpoint {
    return { node, conn: ctx.env.admin[node] };
}

/** The non-secret topology the status function reads (what the component exports as `topology`). */
export function topologyOf(ctx: DemoContext): MeshTopology {
    const plan = validateMesh(ctx.mesh.nodes, ctx.mesh.flows ?? []);
    return {
        nodes: [...plan.nodes.values()].map((node) => {
            const conn = ctx.env.admin[node.name as DemoNode];
            return { name: node.name, zone: node.zone, role: node.role, host: conn.host, port: conn.port, database: conn.database, user: conn.user };
        }),
        flows: plan.flows.map((flow) => ({ from: flow.from, to: flow.to, subscriptionName: flow.subscriptionName, tables: flow.tables })),
    };
}
