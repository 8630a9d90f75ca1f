/**
 * Step 3: blue → green are in step, so a switch loses nothing. The regional app writes master data
 * on blue; then the switch preparation (ops/replication/switch.ts, as a real switch would
 * run it): wait for green's lag to reach zero, advance green's sequences past blue's; then every
 * table green receives from blue is compared by count and checksum.
 */
import { prepareSwitch, slotLagBytes } from "../../../ops/replication/switch";
import { DemoContext, endpoint } from "../context";
import { checkInStep } from "../in-step";
import { Check, errorText, formatDuration } from "../narrator";
import { BLUE_TO_GREEN, NODES } from "../../../stacks/local-topology";
import { addCustomer, addProducts, rows } from "../workload";

/** An application sequence (invoice numbers): DDL is not replicated, so the migration ran on both colours. */
export const APP_SEQUENCE = "invoice_number_seq";
const INVOICES_ISSUED_ON_BLUE = 42;

async function lastValue(conn: Parameters<typeof rows>[0]): Promise<number> {
    const result = await rows<{ value: string | null }>(conn, "SELECT last_value::text AS value FROM pg_sequences WHERE schemaname = 'public' AND sequencename = $1", [APP_SEQUENCE]);
    return Number(result[0]?.value ?? 0);
}

export async function blueGreenInStep(ctx: DemoContext): Promise<Check[]> {
    const { admin } = ctx.env;
    const blue = admin[NODES.blue];
    const green = admin[NODES.green];

    // Blue and green share the us_east server: the provider created green's slot on blue first and
    // subscribed with create_slot = false (a CREATE SUBSCRIPTION creating its slot there would hang).
    const [slot] = await rows<{ active: boolean; database: string }>(blue,
        "SELECT active, database FROM pg_replication_slots WHERE slot_name = $1", [BLUE_TO_GREEN]);
    const [sub] = await rows<{ enabled: boolean; pid: number | null }>(green,
        "SELECT s.subenabled AS enabled, st.pid FROM pg_subscription s LEFT JOIN pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL WHERE s.subname = $1",
        [BLUE_TO_GREEN]);
    const checks: Check[] = [ctx.narrator.check({
        ok: slot?.active === true && sub?.enabled === true && sub.pid !== null,
        label: `green streams from blue on the same server: slot ${BLUE_TO_GREEN} in ${slot?.database ?? "?"} is ${slot?.active ? "active" : "NOT active"}, ` +
            `green's apply worker ${sub?.pid ? `runs (pid ${sub.pid})` : "is NOT running"}`,
    })];

    await addProducts(blue, 5);
    await addCustomer(blue, "c-1001", "Avery Example", "avery@example.com", "US");
    for (const conn of [blue, green]) await rows(conn, `CREATE SEQUENCE IF NOT EXISTS public.${APP_SEQUENCE}`);
    await rows(blue, "SELECT nextval($1::regclass) FROM generate_series(1, $2::int)", [`public.${APP_SEQUENCE}`, INVOICES_ISSUED_ON_BLUE]);
    ctx.narrator.info(`blue's app wrote 5 products, 1 customer and issued ${INVOICES_ISSUED_ON_BLUE} invoice numbers`);

    // Blue's writers are quiet now (the demo wrote last); a real switch stops them first for RPO 0.
    const t0 = Date.now();
    let confirmed: string | undefined;
    let failure: string | undefined;
    try {
        confirmed = (await prepareSwitch({ source: blue, target: green, subscriptionName: BLUE_TO_GREEN, timeoutMs: 30_000, sequenceMargin: 1000 })).confirmedLsn;
    } catch (error) {
        failure = errorText(error);
    }
    const lag = await slotLagBytes(blue, BLUE_TO_GREEN);
    checks.push(ctx.narrator.check({
        ok: confirmed !== undefined,
        label: confirmed !== undefined
            ? `green confirmed blue's WAL position ${confirmed} after ${formatDuration(Date.now() - t0)}: lag 0 at the switch point`
            : "green did not catch up with blue",
        details: [...(failure ? [failure] : []), `slot ${BLUE_TO_GREEN} on blue: ${lag ?? "unknown"} bytes unconfirmed now (the server's WAL also carries green's own writes)`],
    }));

    const [blueSeq, greenSeq] = [await lastValue(blue), await lastValue(green)];
    checks.push(ctx.narrator.check({
        ok: greenSeq > blueSeq,
        label: `green's ${APP_SEQUENCE} (${greenSeq}) is ahead of blue's (${blueSeq}): no duplicate invoice numbers after the switch`,
    }));

    const tables = ctx.mesh.flows!.find((f) => f.from === NODES.blue && f.to === NODES.green)!.tables;
    checks.push(...ctx.narrator.checks(await checkInStep(endpoint(ctx, NODES.blue), endpoint(ctx, NODES.green), tables)));
    return checks;
}
