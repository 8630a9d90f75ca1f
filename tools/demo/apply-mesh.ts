/**
 * Applies the demo's ReplicationMesh through the local engine (engine.ts): the real component
 * validates the topology and registers its dynamic resources; each is created by its serialized
 * provider against the local servers.
 */
import { ReplicationMesh, ReplicationMeshArgs } from "../../components/replication/replication-mesh";
import { describeTableState, readTableSync } from "../../components/replication/providers/table-sync";
import { DemoContext, topologyOf } from "./context";
import { applyProgram, CreatedResource, EngineRun } from "./engine";
import { formatDuration } from "./narrator";

/** The kinds of resources the mesh creates, recognised by the component's stable name suffixes. */
const KINDS: { suffix: string; label: string }[] = [
    { suffix: "-tables", label: "catalog table sets" },
    { suffix: "-repl-role", label: "replication roles" },
    { suffix: "-pub", label: "publications" },
    { suffix: "-sub", label: "subscriptions" },
    { suffix: "-edge-priority", label: "edge-priority guards" },
];

/** Component name of the demo mesh (prefix of every child resource name). */
export const MESH_NAME = "demo";

/** Runs `new ReplicationMesh(name, args)` under the local engine. */
export function applyMesh(args: ReplicationMeshArgs, onCreated?: (resource: CreatedResource) => void, name = MESH_NAME): Promise<EngineRun> {
    return applyProgram(() => {
        new ReplicationMesh(name, args);
    }, { onCreated });
}

/** `7 publications (0.4 s)`-style lines summarising what was created, by kind. */
export function summariseCreated(created: readonly CreatedResource[]): string[] {
    const lines = KINDS.map(({ suffix, label }) => {
        const ofKind = created.filter((r) => r.name.endsWith(suffix));
        if (ofKind.length === 0) return undefined;
        const slowest = Math.max(...ofKind.map((r) => r.ms));
        return `${ofKind.length} ${label} (slowest ${formatDuration(slowest)})`;
    }).filter((line): line is string => line !== undefined);
    const other = created.filter((r) => !KINDS.some(({ suffix }) => r.name.endsWith(suffix)));
    if (other.length > 0) lines.push(`${other.length} other: ${other.map((r) => r.name).join(", ")}`);
    return lines;
}

/**
 * The line saying every subscription's initial copy is done (every table READY), which the
 * subscription provider waits for; throws naming the tables otherwise. Until then a subscription
 * skips a table's changes, and stopping its server could leave the table stuck (table-sync.ts).
 */
export async function initialCopyDone(ctx: DemoContext): Promise<string> {
    const flows = topologyOf(ctx).flows;
    const reports = await Promise.all(flows.map((flow) => readTableSync(ctx.env.admin[flow.to as keyof typeof ctx.env.admin], flow.subscriptionName)));
    const notReady = reports.flatMap((r) => r.syncing.map((t) => `${r.subscription}.${describeTableState(t)}`));
    if (notReady.length > 0) throw new Error(`initial copy not finished: ${notReady.join(", ")}`);
    return `initial copy done: ${reports.reduce((n, r) => n + r.ready.length, 0)} tables of ${flows.length} subscriptions are ready`;
}
