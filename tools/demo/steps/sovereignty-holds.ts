/**
 * Step 4: personal data stays in its zone while aggregates cross it. In the EU: a customer is
 * created at eu-central (it reaches the Frankfurt factory) and orders one at Frankfurt (it reaches
 * eu-central); then eu-central publishes an inventory snapshot. The snapshot reaches us-east; the
 * customer and the order never do.
 *
 * Why "never" can be checked: the snapshot was committed on eu-central after the customer and
 * the order were there, and a subscription applies a publisher's changes in commit order. Once the
 * snapshot is visible in us-east, anything earlier that the mesh would carry would be there too.
 */
import { DemoContext } from "../context";
import { Check, formatDuration } from "../narrator";
import { FACILITY_FRA, NODES } from "../../../stacks/local-topology";
import { waitUntil } from "../wait";
import { addCustomer, countWhere, snapshotInventory, takeOrders } from "../workload";

export const EU_CUSTOMER = "c-eu-4711";
const EU_ORDER_PREFIX = "FRA";

export async function sovereigntyHolds(ctx: DemoContext): Promise<Check[]> {
    const { admin } = ctx.env;
    const checks: Check[] = [];
    const arrives = async (label: string, probe: () => Promise<number>): Promise<void> => {
        const seen = await waitUntil(probe, (n) => n > 0, { timeoutMs: 15_000 });
        checks.push(ctx.narrator.check({ ok: seen.ok, label: `${label} ${seen.ok ? `after ${formatDuration(seen.ms)}` : `did NOT arrive within ${formatDuration(seen.ms)}`}` }));
    };

    await addCustomer(admin[NODES.euCentral], EU_CUSTOMER, "Jana Beispiel", "jana@example.eu", "DE");
    await arrives(`customer ${EU_CUSTOMER} (personal, master data) reached the Frankfurt factory`,
        () => countWhere(admin[NODES.edgeFra], "customers", "customer_id", EU_CUSTOMER));
    await takeOrders(admin[NODES.edgeFra], FACILITY_FRA, EU_ORDER_PREFIX, 1, 1, EU_CUSTOMER);
    await arrives(`Frankfurt's order for ${EU_CUSTOMER} reached eu-central`,
        () => countWhere(admin[NODES.euCentral], "orders", "customer_id", EU_CUSTOMER));

    await snapshotInventory(admin[NODES.euCentral], "eu-central", FACILITY_FRA, "p-1", 1200);
    ctx.narrator.info(`eu-central published an inventory snapshot for ${FACILITY_FRA} (aggregate, not personal)`);
    for (const node of [NODES.blue, NODES.green]) {
        await arrives(`the snapshot crossed into ${node}`, () => countWhere(admin[node], "inventory_snapshots", "facility_id", FACILITY_FRA));
    }

    for (const node of [NODES.blue, NODES.green]) {
        const customers = await countWhere(admin[node], "customers", "customer_id", EU_CUSTOMER);
        const orders = await countWhere(admin[node], "orders", "customer_id", EU_CUSTOMER);
        checks.push(ctx.narrator.check({
            ok: customers === 0 && orders === 0,
            label: `${node} has ${customers} rows of customer ${EU_CUSTOMER} and ${orders} of their orders (personal data stayed in the EU)`,
        }));
    }
    return checks;
}
