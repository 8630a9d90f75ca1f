/**
 * Blue/green switch helpers. Sequences and DDL are not replicated: before traffic moves from the
 * source colour to the target, the target must have applied everything and its sequences must be
 * ahead of the source's, or the first inserts after the switch hit duplicate keys.
 *
 * `prepareSwitch` (as pg_easy_replicate's switchover): wait until every table of the target's
 * subscription is READY (a confirmed slot position says nothing about a table still being copied,
 * or stuck: its changes are skipped), then until the target's lag is under a small bound, then
 * (writes on the source stopped by the caller) until it has confirmed the source's current WAL
 * position, then advance the target's sequences past the source's. Pure pg.
 */
import { PgConnection, withClient } from "../../components/postgres/connection";
import { waitForTableSync } from "../../components/replication/providers/table-sync";

export interface SequenceSync {
    /** `schema.sequence` names advanced on the target. */
    sequences: { name: string; source: number | null; target: number }[];
}

/**
 * Sets every sequence on `target` that also exists on `source` to at least source.last_value +
 * `margin` (never moves a sequence backwards).
 * @param margin head room for writes that race the switch; default 1000.
 */
export async function syncSequences(source: PgConnection, target: PgConnection, margin = 1000): Promise<SequenceSync> {
    const sourceValues = await withClient(source, async (client) => (await client.query<{ schemaname: string; sequencename: string; last_value: string | null }>(
        "SELECT schemaname, sequencename, last_value FROM pg_sequences WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")).rows);
    return withClient(target, async (client) => {
        const sequences: SequenceSync["sequences"] = [];
        for (const seq of sourceValues) {
            const wanted = Number(seq.last_value ?? 0) + margin;
            const { rows } = await client.query<{ value: string | null }>(
                "SELECT CASE WHEN to_regclass(format('%I.%I', $1::text, $2::text)) IS NULL THEN NULL " +
                "ELSE setval(format('%I.%I', $1::text, $2::text)::regclass, " +
                "greatest($3::bigint, coalesce((SELECT last_value FROM pg_sequences WHERE schemaname = $1 AND sequencename = $2), 0))) END AS value",
                [seq.schemaname, seq.sequencename, wanted]);
            if (rows[0].value !== null) {
                sequences.push({ name: `${seq.schemaname}.${seq.sequencename}`, source: seq.last_value === null ? null : Number(seq.last_value), target: Number(rows[0].value) });
            }
        }
        return { sequences };
    });
}

/** Bytes the slot of `subscriptionName` on `source` has not had confirmed (null when there is no slot). */
export async function slotLagBytes(source: PgConnection, subscriptionName: string): Promise<number | null> {
    return withClient(source, async (client) => {
        const { rows } = await client.query<{ lag: string | null }>(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag FROM pg_replication_slots WHERE slot_name = $1", [subscriptionName]);
        return rows.length === 0 || rows[0].lag === null ? null : Number(rows[0].lag);
    });
}

export interface PrepareSwitchOptions {
    /** Source colour database (admin). Required. */
    source: PgConnection;
    /** Target colour database (admin). Required. */
    target: PgConnection;
    /** The subscription on the target that reads the source (its slot has the same name). Required. */
    subscriptionName: string;
    /** Lag (bytes) under which the target counts as nearly caught up; default 1 MiB. */
    lagBoundBytes?: number;
    /** Give up after this long; default 60 000 ms. */
    timeoutMs?: number;
    /** Sequence head room; default 1000. */
    sequenceMargin?: number;
}

export interface PrepareSwitchResult {
    /** Source WAL position the target has confirmed. */
    confirmedLsn: string;
    sequences: SequenceSync["sequences"];
}

/**
 * Waits for every table to be READY (throws at once on a table whose sync cannot finish), for lag
 * under the bound, then for the target to confirm the source's current flush position (stop
 * writes on the source before calling for RPO 0), then syncs sequences.
 */
export async function prepareSwitch(options: PrepareSwitchOptions): Promise<PrepareSwitchResult> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    await waitForTableSync({ subscriber: options.target, subscriptionName: options.subscriptionName, publisher: options.source, timeoutMs: deadline - Date.now() });
    const bound = options.lagBoundBytes ?? 1024 * 1024;
    const sleep = () => new Promise((resolve) => setTimeout(resolve, 100));
    for (;;) {
        const lag = await slotLagBytes(options.source, options.subscriptionName);
        if (lag === null) throw new Error(`prepareSwitch: no slot "${options.subscriptionName}" on the source`);
        if (lag <= bound) break;
        if (Date.now() > deadline) throw new Error(`prepareSwitch: target still ${lag} bytes behind (bound ${bound})`);
        await sleep();
    }
    const targetLsn = await withClient(options.source, async (client) =>
        (await client.query<{ lsn: string }>("SELECT pg_current_wal_flush_lsn()::text AS lsn")).rows[0].lsn);
    for (;;) {
        const reached = await withClient(options.source, async (client) => (await client.query<{ ok: boolean | null }>(
            "SELECT confirmed_flush_lsn >= $2::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = $1", [options.subscriptionName, targetLsn])).rows[0]?.ok);
        if (reached) break;
        if (Date.now() > deadline) throw new Error(`prepareSwitch: target did not confirm ${targetLsn} in time`);
        await sleep();
    }
    const { sequences } = await syncSequences(options.source, options.target, options.sequenceMargin ?? 1000);
    return { confirmedLsn: targetLsn, sequences };
}
