/**
 * Regional failover to a standby of the same zone: promote the standby, then re-point the logical
 * replication flows of the lost primary to it, without losing or duplicating a row.
 *
 * What the promoted standby has and lacks (found by experiment, docs/dr.md):
 * - it has the primary's subscriptions to the edges (`pg_subscription` is a catalog, physically
 *   replicated) and their replication origins' progress (every applied commit carries its origin
 *   LSN in the WAL), exactly as far as it received the primary's WAL;
 * - the edge's slot was confirmed by the lost primary, possibly past what reached the standby: a
 *   subscription resumed from the standby's origin would be streamed from the slot's confirmed
 *   position and silently skip the edge rows in between (they are still on the edge);
 * - it has no logical slots (PostgreSQL 16 does not copy them to a physical standby; failover slots
 *   are 17+): the edges' subscriptions to the region's master data have nothing to read from.
 *
 * So each flow is re-based on a snapshot of its publisher, the way a table sync starts:
 *   1. subscriber: disable the subscription, wait for its worker to exit; point it at the new
 *      publisher if the publisher moved (`ALTER SUBSCRIPTION ... CONNECTION`);
 *   2. publisher: end any walsender still holding the slot (the dead primary's), drop the slot and
 *      create it anew over a replication connection, exporting its snapshot;
 *   3. under that snapshot, the publication's rows (its own row filter) are read and the
 *      subscriber's copy made equal: missing rows inserted, differing rows replaced, rows the
 *      publisher no longer has deleted (`session_replication_role = replica`). The publisher owns
 *      what it publishes (edge priority for operational rows; the region for master data);
 *   4. subscriber: move the subscription's origin to the new slot's consistent point, enable.
 * Rows committed before that point are in the snapshot, rows after it are streamed: none twice,
 * none missing, and the publisher keeps writing throughout (unlike `reattachEdge`, which needs the
 * edge's applications stopped and decides deletions by `updated_at`, right for a restored edge that
 * is behind, wrong here where the edge is intact and ahead).
 *
 * This module holds no sovereignty rule: the caller checks the target with
 * `assertFailoverTarget` (components/shared/sovereignty.ts) before promoting anything.
 */
import { Client } from "pg";
import { PgConnection, withClient } from "../../components/postgres/connection";
import { assertSqlIdentifier, ident, sqlLiteral } from "../../components/postgres/sql";
import { readPublication } from "../../components/replication/providers/publication";
import { primaryKey, writeRows } from "../../components/replication/providers/reattach";
import { renderRowFilter } from "../../components/replication/row-filter";
import { parseConninfo, publisherConninfo } from "../../components/replication/providers/subscription";

export interface PromoteStandbyOptions {
    /** Admin connection to the standby. Required. */
    standby: PgConnection;
    /** Give up after this long. Default 60 000 ms. */
    timeoutMs?: number;
}

/** Promotes a physical standby (`pg_promote`) and resolves once it accepts writes. Idempotent. */
export async function promoteStandby(options: PromoteStandbyOptions): Promise<{ ms: number; alreadyPrimary: boolean; lsn: string }> {
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? 60_000;
    return withClient(options.standby, async (client) => {
        const inRecovery = (await client.query<{ r: boolean }>("SELECT pg_is_in_recovery() AS r")).rows[0].r;
        if (inRecovery) {
            const { rows } = await client.query<{ done: boolean }>("SELECT pg_promote(true, $1) AS done", [Math.max(1, Math.ceil(timeoutMs / 1000))]);
            if (!rows[0].done) throw new Error(`failover: the standby did not finish promotion within ${timeoutMs} ms`);
        }
        const lsn = (await client.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn")).rows[0].lsn;
        return { ms: Date.now() - started, alreadyPrimary: !inRecovery, lsn };
    }, { statementTimeoutMs: timeoutMs + 5_000 });
}

export interface RepointFlowOptions {
    /** Admin (owner of the publication) on the publishing database. Required. */
    publisherAdmin: PgConnection;
    /** Admin connection to the subscribing database. Required. */
    subscriber: PgConnection;
    /** The subscription (its slot on the publisher has the name the subscription records). Required. */
    subscription: string;
    /**
     * Where the subscription should now reach the publisher, when it moved (the edges' subscriptions
     * to a promoted standby): host and port, and optionally the rest; what is not given (the
     * replication role's login and password, database, sslmode) is kept from the subscription's
     * current connection. Default: the connection stays.
     */
    newPublisher?: Partial<PgConnection> & Pick<PgConnection, "host" | "port">;
    /** Rows written per statement. Default 5000. */
    batchRows?: number;
    /** Give up waiting for the subscription's worker after this long. Default 60 000 ms. */
    timeoutMs?: number;
}

/** What re-pointing one flow found and changed. */
export interface RepointReport {
    /** Where the new slot starts on the publisher: the subscription streams from there. */
    slotLsn: string;
    /**
     * WAL between the subscriber's origin and what the old slot had confirmed, in bytes, when both
     * were known: > 0 means the lost primary had confirmed changes the standby never received.
     */
    confirmedAheadBytes: number | null;
    /** Per published table: rows inserted, replaced and deleted on the subscriber. */
    reconciled: Record<string, { inserted: number; replaced: number; deleted: number }>;
}

async function rowsByKey(client: Client, target: string, keyColumns: string[], where: string): Promise<Map<string, { text: string; row: unknown }>> {
    const { rows } = await client.query<{ key: string; text: string; row: unknown }>(
        `SELECT json_build_array(${keyColumns.join(", ")})::text AS key, t::text AS text, row_to_json(t) AS row FROM ${target} t${where}`);
    return new Map(rows.map((r) => [r.key, { text: r.text, row: r.row }]));
}

async function waitForWorkerExit(client: Client, subscriptionOid: string, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await client.query("SELECT 1 FROM pg_stat_subscription WHERE subid = $1::oid AND pid IS NOT NULL", [subscriptionOid])).rowCount) {
        if (Date.now() > deadline) throw new Error(`failover: the apply worker of "${what}" did not stop after DISABLE`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

/** Drops `slot` on the publisher, ending the walsender that still holds it (a dead subscriber's). */
async function dropSlot(client: Client, slot: string, timeoutMs: number): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const { rows } = await client.query<{ active_pid: number | null; confirmed: string | null }>(
            "SELECT active_pid, confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1", [slot]);
        if (rows.length === 0) return null;
        if (rows[0].active_pid === null) {
            await client.query("SELECT pg_drop_replication_slot($1)", [slot]);
            return rows[0].confirmed;
        }
        await client.query("SELECT pg_terminate_backend($1)", [rows[0].active_pid]);
        if (Date.now() > deadline) throw new Error(`failover: slot "${slot}" is still held by process ${rows[0].active_pid}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

/** Re-bases one logical flow on a fresh slot and snapshot of its publisher (see the module comment). */
export async function repointFlow(options: RepointFlowOptions): Promise<RepointReport> {
    const subscriptionName = ident("subscription", options.subscription);
    const timeoutMs = options.timeoutMs ?? 60_000;
    const batchRows = options.batchRows ?? 5000;

    // 1. The subscriber stops; its subscription is read before anything changes.
    const sub = await withClient(options.subscriber, async (client) => {
        const { rows } = await client.query<{ oid: string; slot: string | null; publications: string[]; conninfo: string }>(
            "SELECT oid::text, subslotname AS slot, subpublications AS publications, subconninfo AS conninfo FROM pg_subscription " +
            "WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())", [options.subscription]);
        if (rows.length === 0) throw new Error(`failover: the subscriber has no subscription "${options.subscription}"`);
        await client.query(`ALTER SUBSCRIPTION ${subscriptionName} DISABLE`);
        await waitForWorkerExit(client, rows[0].oid, options.subscription, timeoutMs);
        if (options.newPublisher !== undefined) {
            const current = parseConninfo(rows[0].conninfo);
            const moved: PgConnection = {
                host: options.newPublisher.host, port: options.newPublisher.port,
                database: options.newPublisher.database ?? current.dbname, user: options.newPublisher.user ?? current.user,
                password: options.newPublisher.password ?? current.password, ssl: options.newPublisher.ssl ?? (current.sslmode as PgConnection["ssl"]) ?? "disable",
            };
            await client.query(`ALTER SUBSCRIPTION ${subscriptionName} CONNECTION ${sqlLiteral("conninfo", publisherConninfo(moved))}`);
        }
        const origin = await client.query<{ lsn: string | null }>("SELECT pg_replication_origin_progress($1, true)::text AS lsn", [`pg_${rows[0].oid}`]);
        return { ...rows[0], originLsn: origin.rows[0].lsn };
    });
    const slot = assertSqlIdentifier("slot", sub.slot ?? options.subscription);

    // What the subscription receives: the publications' tables under their own filters.
    const tables = new Map<string, string>();
    for (const name of sub.publications) {
        const publication = await readPublication(options.publisherAdmin, name);
        if (!publication) throw new Error(`failover: the publisher has no publication "${name}" (subscription "${options.subscription}")`);
        for (const table of publication.tables) {
            const filter = publication.filters[table];
            if (typeof filter === "string") throw new Error(`failover: publication "${name}" filters "${table}" with a filter the mesh does not write (${filter})`);
            tables.set(table, filter ? ` WHERE ${renderRowFilter("rowFilter", { column: filter.column, in: filter.values })}` : "");
        }
    }

    // 2. A fresh slot, its snapshot exported: held while the replication connection stays idle.
    const replication = new Client({ ...clientConfig(options.publisherAdmin), replication: "database" } as ConstructorParameters<typeof Client>[0]);
    replication.on("error", () => undefined);
    const reconciled: RepointReport["reconciled"] = {};
    let slotLsn: string;
    let confirmedAheadBytes: number | null = null;
    await withClient(options.publisherAdmin, async (admin) => {
        const oldConfirmed = await dropSlot(admin, slot, timeoutMs);
        if (oldConfirmed !== null && sub.originLsn !== null) {
            confirmedAheadBytes = Number((await admin.query<{ d: string }>("SELECT greatest(0, $1::pg_lsn - $2::pg_lsn)::text AS d", [oldConfirmed, sub.originLsn])).rows[0].d);
        }
    });
    await replication.connect();
    try {
        const created = await replication.query(`CREATE_REPLICATION_SLOT ${slot} LOGICAL pgoutput (SNAPSHOT 'export')`);
        const row = created.rows[0] as { consistent_point: string; snapshot_name: string };
        slotLsn = row.consistent_point;

        // 3. The subscriber's copy made equal to the publisher's as of the slot's start.
        await withClient(options.publisherAdmin, async (publisher) => withClient(options.subscriber, async (subscriber) => {
            await publisher.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
            await publisher.query(`SET TRANSACTION SNAPSHOT ${sqlLiteral("snapshot", row.snapshot_name)}`);
            for (const [table, where] of tables) {
                const target = `public.${ident("table", table)}`;
                const keyColumns = await primaryKey(subscriber, table);
                const [there, here] = await Promise.all([rowsByKey(publisher, target, keyColumns, where), rowsByKey(subscriber, target, keyColumns, where)]);
                const write: unknown[] = [];
                const remove: unknown[] = [];
                let inserted = 0;
                let replaced = 0;
                for (const [key, p] of there) {
                    const s = here.get(key);
                    if (s === undefined) { write.push(p.row); inserted++; } else if (s.text !== p.text) { write.push(p.row); replaced++; }
                }
                for (const [key, s] of here) if (!there.has(key)) remove.push(s.row);
                await writeRows(subscriber, target, keyColumns, write, true, batchRows);
                await writeRows(subscriber, target, keyColumns, remove, false, batchRows);
                reconciled[table] = { inserted, replaced, deleted: remove.length };
            }
            await publisher.query("COMMIT");
        }));
    } finally {
        await replication.end().catch(() => undefined);
    }

    // 4. The subscription resumes at the slot's start.
    await withClient(options.subscriber, async (client) => {
        await client.query(`SELECT pg_replication_origin_advance(${sqlLiteral("origin", `pg_${sub.oid}`)}, ${sqlLiteral("lsn", slotLsn)}::pg_lsn)`);
        await client.query(`ALTER SUBSCRIPTION ${subscriptionName} ENABLE`);
    });
    return { slotLsn, confirmedAheadBytes, reconciled };
}

/** The pg client settings of a connection, for the replication connection (connection.ts builds normal ones). */
function clientConfig(conn: PgConnection): Record<string, unknown> {
    const ssl = conn.ssl === undefined || conn.ssl === "disable" ? false : { rejectUnauthorized: conn.ssl === "verify-full" };
    return { host: conn.host, port: Number(conn.port), database: conn.database, user: conn.user, password: conn.password, ssl, connectionTimeoutMillis: 10_000, application_name: "agogsaas-failover" };
}
