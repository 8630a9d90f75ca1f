/**
 * Step 1: an order written at the LA factory reaches us-east (blue, and green through blue), and
 * us-east cannot overwrite it (edge priority).
 */
import { withClient } from "../../../components/postgres/connection";
import { DemoContext } from "../context";
import { Check, errorText, formatDuration } from "../narrator";
import { FACILITY_LA, NODES } from "../../../stacks/local-topology";
import { waitUntil } from "../wait";
import { rows, takeOrders } from "../workload";

export const ORDER_PREFIX = "LA-FIRST";
export const FIRST_ORDER = `${ORDER_PREFIX}-0001`;

export async function orderReachesRegion(ctx: DemoContext): Promise<Check[]> {
    const { admin } = ctx.env;
    await takeOrders(admin[NODES.edgeLa], FACILITY_LA, ORDER_PREFIX, 1);
    ctx.narrator.info(`LA took order ${FIRST_ORDER} (facility ${FACILITY_LA})`);

    const checks: Check[] = [];
    for (const node of [NODES.blue, NODES.green]) {
        const seen = await waitUntil(
            () => rows<{ quantity: number }>(admin[node], "SELECT quantity FROM public.orders WHERE facility_id = $1 AND order_id = $2", [FACILITY_LA, FIRST_ORDER]),
            (found) => found.length === 1,
            { timeoutMs: 15_000 },
        );
        checks.push(ctx.narrator.check({
            ok: seen.ok,
            label: seen.ok
                ? `order ${FIRST_ORDER} is in ${node} after ${formatDuration(seen.ms)}`
                : `order ${FIRST_ORDER} did NOT reach ${node} within ${formatDuration(seen.ms)}`,
        }));
    }

    // The cloud may not overwrite the edge: a local UPDATE of LA's row on blue is rejected.
    let rejection: string | undefined;
    try {
        await withClient(admin[NODES.blue], (client) =>
            client.query("UPDATE public.orders SET status = 'cancelled-by-cloud' WHERE facility_id = $1 AND order_id = $2", [FACILITY_LA, FIRST_ORDER]));
    } catch (error) {
        rejection = errorText(error);
    }
    checks.push(ctx.narrator.check({
        ok: rejection !== undefined && rejection.includes("edge priority"),
        label: rejection !== undefined
            ? "us-east cannot overwrite LA's order (edge priority)"
            : "us-east UPDATED LA's order: edge priority did not hold",
        details: rejection ? [`rejected: ${rejection}`] : undefined,
    }));
    return checks;
}
