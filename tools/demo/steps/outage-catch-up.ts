/**
 * Step 2: the us-east server goes down; the LA factory keeps taking orders (its slot keeps the
 * changes, within the WAL bound); us-east comes back and catches up with nothing lost — counts and
 * checksums of LA's rows compared on LA, blue and green.
 */
import { flowObjectName } from "../../../components/replication/naming";
import { meshStatus } from "../../../ops/replication/status";
import { DemoContext, endpoint, topologyOf } from "../context";
import { SERVERS } from "../environment";
import { waitInStep } from "../in-step";
import { Check, errorText, formatDuration } from "../narrator";
import { FACILITY_LA, NODES } from "../../../stacks/local-topology";
import { countWhere, moveStock, takeOrders } from "../workload";

export const OUTAGE_ORDERS = 500;
export const OUTAGE_STOCK_MOVES = 200;
const LA_TO_BLUE = flowObjectName(NODES.edgeLa, NODES.blue);

function kiB(bytes: number | null): string {
    return bytes === null ? "unknown" : `${(bytes / 1024).toFixed(0)} kB`;
}

export async function outageCatchUp(ctx: DemoContext): Promise<Check[]> {
    const { admin } = ctx.env;
    const usEast = ctx.env.server(SERVERS.usEast);
    const checks: Check[] = [];

    await usEast.stop();
    ctx.narrator.info(`us-east server stopped (blue and green are both on it, port ${usEast.port})`);

    const before = await countWhere(admin[NODES.edgeLa], "orders", "facility_id", FACILITY_LA);
    const t0 = Date.now();
    let writeError: string | undefined;
    try {
        await takeOrders(admin[NODES.edgeLa], FACILITY_LA, "LA-OUTAGE", OUTAGE_ORDERS, 25);
        await moveStock(admin[NODES.edgeLa], FACILITY_LA, "LA-OUTAGE-MOVE", OUTAGE_STOCK_MOVES);
    } catch (error) {
        writeError = errorText(error);
    }
    const after = await countWhere(admin[NODES.edgeLa], "orders", "facility_id", FACILITY_LA);
    checks.push(ctx.narrator.check({
        ok: writeError === undefined && after - before === OUTAGE_ORDERS,
        label: `LA kept working during the outage: ${after - before} orders and ${OUTAGE_STOCK_MOVES} stock moves committed in ${formatDuration(Date.now() - t0)}`,
        details: writeError ? [`write failed: ${writeError}`] : undefined,
    }));

    // What the status command would say right now: LA holds the changes for us-east in its slot.
    const status = await meshStatus(topologyOf(ctx), ctx.env.admin);
    const slot = status.subscriptions.find((s) => s.subscription === LA_TO_BLUE);
    const buffered = slot !== undefined && slot.walStatus !== null && slot.walStatus !== "lost" && (slot.slotRetainedBytes ?? 0) > 0;
    checks.push(ctx.narrator.check({
        ok: buffered,
        label: `LA buffers the changes for us-east: slot ${LA_TO_BLUE} retains ${kiB(slot?.slotRetainedBytes ?? null)}, wal_status ${slot?.walStatus ?? "unknown"}`,
        details: slot?.problems.length ? slot.problems.map((p) => `status: ${p}`) : undefined,
    }));

    const t1 = Date.now();
    await usEast.start();
    ctx.narrator.info(`us-east server restarted (${formatDuration(Date.now() - t1)}); waiting for it to catch up`);

    const tables = ["orders", "inventory_transactions"];
    const slice = { column: "facility_id", value: FACILITY_LA };
    checks.push(...ctx.narrator.checks(await waitInStep(endpoint(ctx, NODES.edgeLa), endpoint(ctx, NODES.blue), tables, slice, { timeoutMs: 30_000 })));
    checks.push(...ctx.narrator.checks(await waitInStep(endpoint(ctx, NODES.edgeLa), endpoint(ctx, NODES.green), tables, slice, { timeoutMs: 30_000 })));
    return checks;
}
