/**
 * Re-attaches an edge database restored from a backup to the regional server, so replication
 * resumes without duplicating or losing a row the region already has.
 *
 * A restored edge is behind the region: the region applied edge writes made after the backup
 * (they reached it before the loss), and the region's slot for the edge's own subscription has
 * moved past what the restored edge applied. A base backup holds no replication slot, and the
 * region's replication origin for the edge points at WAL positions of the lost server. So, with
 * the edge's applications stopped (the caller's job: writes during the re-attach are not covered):
 *
 *   1. region: disable the subscription to the edge (it would fail on the missing slot anyway);
 *   2. both (outbound tables, under the edge publication's own row filter): reconcile the two
 *      copies. Rows the region has and the edge lost come back to the edge; rows the edge's WAL
 *      archive restored that never reached the region (it was unreachable) go to the region; a row
 *      on both that differs takes the newer `updated_at`; a row only the edge has that is older than
 *      everything the region got from the edge was deleted there, and is deleted on the edge.
 *      Written with `session_replication_role = replica` (guards and triggers are for applications);
 *   3. edge: create the publication's slot anew: it starts after the reconciled rows, which
 *      therefore never travel back to the region (no duplicates);
 *   4. region: move the subscription's origin to that slot's start (the lost server's positions
 *      would make it skip the new server's first changes), enable the subscription;
 *   5. edge (inbound tables, the region's master data): re-copy them with {@link resyncTables}:
 *      the region's slot has already discarded what the restored edge lacks.
 *
 * Every step is idempotent, so a re-attach interrupted half way can be run again.
 */
import { Client } from "pg";
import { PgConnection, inTransaction, withClient } from "../../postgres/connection";
import { assertSqlIdentifier, ident, sqlLiteral } from "../../postgres/sql";
import { readPublication } from "./publication";
import { renderRowFilter } from "../row-filter";
import { resyncTables } from "./resync-tables";
import { TableSyncReport, waitForTableSync } from "./table-sync";

export interface ReattachEdgeOptions {
    /** Admin connection to the restored edge database. Required. */
    edge: PgConnection;
    /** Admin connection to the regional database that subscribes to the edge and publishes to it. Required. */
    region: PgConnection;
    /** The region's subscription to the edge (its slot on the edge has the same name). Required. */
    outboundSubscription: string;
    /** The edge's publication that subscription reads. Required. */
    outboundPublication: string;
    /** The edge's subscription to the region (master data), if any. Default none. */
    inboundSubscription?: string;
    /** Rows written per statement when reconciling. Default 5000. */
    batchRows?: number;
    /** Give up waiting for table copies after this long. Default 600 000 ms. */
    timeoutMs?: number;
}

export interface ReattachReport {
    /** Per outbound table, what reconciling the edge's and the region's copies changed. */
    reconciled: Record<string, TableReconciliation>;
    /** LSN on the edge where the new slot starts (the region resumes from there). */
    slotLsn: string;
    /** Inbound tables copied again from the region. */
    resynced: string[];
    /** Table states of the region's subscription once it is running again. */
    outbound: TableSyncReport;
}

/** Primary key columns of `public.table`, quoted: what matches a row on both sides. */
export async function primaryKey(client: Client, table: string): Promise<string[]> {
    const { rows } = await client.query<{ column: string }>(
        "SELECT a.attname AS column FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) " +
        "WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)", [`public.${table}`]);
    if (rows.length === 0) throw new Error(`reattach: public.${table} has no primary key; rows cannot be matched without one`);
    return rows.map((r) => ident("column", r.column));
}

/** What reconciling one outbound table changed. */
export interface TableReconciliation {
    /** Rows the region had and the restored edge lacked: copied to the edge. */
    toEdge: number;
    /** Rows the restored edge had (from its WAL archive) that never reached the region: copied to the region. */
    toRegion: number;
    /** Rows on both that differed: the newer (`updated_at`) copy written over the older. */
    overwritten: number;
    /** Rows the restored edge had that the region had already seen deleted: deleted on the edge. */
    deletedOnEdge: number;
}

interface KeyedRow { updatedAt: number | null; text: string; row: unknown }

async function keyedRows(client: Client, target: string, keyColumns: string[], hasUpdatedAt: boolean, where: string): Promise<Map<string, KeyedRow>> {
    const key = `json_build_array(${keyColumns.join(", ")})::text`;
    const stamp = hasUpdatedAt ? "(extract(epoch FROM t.updated_at) * 1000)::float8" : "NULL::float8";
    const { rows } = await client.query<{ key: string; stamp: number | null; text: string; row: unknown }>(
        `SELECT ${key} AS key, ${stamp} AS stamp, t::text AS text, row_to_json(t) AS row FROM ${target} t${where}`);
    return new Map(rows.map((r) => [r.key, { updatedAt: r.stamp, text: r.text, row: r.row }]));
}

/**
 * Deletes `rows` (matched on the primary key) from `client`'s table and, with `reinsert`, writes
 * them back as given: a replace, as replication would apply it. In batches of `batchRows`.
 */
export async function writeRows(client: Client, target: string, keyColumns: string[], rows: unknown[], reinsert: boolean, batchRows: number): Promise<void> {
    const match = keyColumns.map((c) => `t.${c} = r.${c}`).join(" AND ");
    for (let i = 0; i < rows.length; i += batchRows) {
        const batch = JSON.stringify(rows.slice(i, i + batchRows));
        await inTransaction(client, async () => {
            await client.query("SET LOCAL session_replication_role = replica");
            await client.query(`DELETE FROM ${target} t USING json_populate_recordset(NULL::${target}, $1::json) r WHERE ${match}`, [batch]);
            if (reinsert) await client.query(`INSERT INTO ${target} SELECT * FROM json_populate_recordset(NULL::${target}, $1::json)`, [batch]);
        });
    }
}

/**
 * Step 2 for one table, under the publication's filter: the region's copy and the restored edge's
 * are made equal. The newer `updated_at` wins a difference; a row only the edge has is new (copied
 * to the region) when it is newer than everything the region got from the edge, and was deleted
 * at the region otherwise. Without an `updated_at` column the region's copy wins a difference and an
 * edge-only row is copied to the region (never drop data on a guess).
 */
async function reconcileTable(options: ReattachEdgeOptions, table: string, where: string): Promise<TableReconciliation> {
    const target = `public.${ident("table", table)}`;
    return withClient(options.region, async (region) => withClient(options.edge, async (edge) => {
        const keyColumns = await primaryKey(region, table);
        const hasUpdatedAt = ((await region.query("SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'updated_at' AND NOT attisdropped", [target])).rowCount ?? 0) > 0;
        const [atRegion, atEdge] = await Promise.all([keyedRows(region, target, keyColumns, hasUpdatedAt, where), keyedRows(edge, target, keyColumns, hasUpdatedAt, where)]);
        // A fold, not Math.max(...rows): a facility's rows would overflow the argument list.
        let regionHighWater = -Infinity;
        for (const r of atRegion.values()) regionHighWater = Math.max(regionHighWater, r.updatedAt ?? -Infinity);
        const toEdge: unknown[] = [];
        const toRegion: unknown[] = [];
        const deleteOnEdge: unknown[] = [];
        let overwritten = 0;
        let missingOnEdge = 0;
        let missingOnRegion = 0;
        for (const [key, r] of atRegion) {
            const e = atEdge.get(key);
            if (e === undefined) {
                toEdge.push(r.row);
                missingOnEdge++;
            } else if (e.text !== r.text) {
                overwritten++;
                if (hasUpdatedAt && (e.updatedAt ?? -Infinity) > (r.updatedAt ?? -Infinity)) toRegion.push(e.row);
                else toEdge.push(r.row);
            }
        }
        for (const [key, e] of atEdge) {
            if (atRegion.has(key)) continue;
            if (!hasUpdatedAt || (e.updatedAt ?? -Infinity) > regionHighWater) {
                toRegion.push(e.row);
                missingOnRegion++;
            } else deleteOnEdge.push(e.row);
        }
        const batchRows = options.batchRows ?? 5000;
        await writeRows(edge, target, keyColumns, toEdge, true, batchRows);
        await writeRows(region, target, keyColumns, toRegion, true, batchRows);
        await writeRows(edge, target, keyColumns, deleteOnEdge, false, batchRows);
        return { toEdge: missingOnEdge, toRegion: missingOnRegion, overwritten, deletedOnEdge: deleteOnEdge.length };
    }));
}

/** Runs the re-attach (see the module comment); resolves once the region's subscription streams again. */
export async function reattachEdge(options: ReattachEdgeOptions): Promise<ReattachReport> {
    const outbound = ident("outboundSubscription", options.outboundSubscription);
    assertSqlIdentifier("outboundPublication", options.outboundPublication);
    if (options.inboundSubscription !== undefined) assertSqlIdentifier("inboundSubscription", options.inboundSubscription);

    // Everything checked before anything changes: a refusal leaves replication as it was.
    const publication = await readPublication(options.edge, options.outboundPublication);
    if (!publication) throw new Error(`reattach: the restored edge has no publication "${options.outboundPublication}" (restore the backup first)`);
    for (const table of publication.tables) {
        if (typeof publication.filters[table] === "string") throw new Error(`reattach: publication "${options.outboundPublication}" filters "${table}" with a filter the mesh does not write (${publication.filters[table]})`);
    }

    // 1. The region stops reading the (lost) edge.
    const subscription = await withClient(options.region, async (client) => {
        const { rows } = await client.query<{ oid: string; slot: string | null }>(
            "SELECT oid::text, subslotname AS slot FROM pg_subscription WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [options.outboundSubscription]);
        if (rows.length === 0) throw new Error(`reattach: the region has no subscription "${options.outboundSubscription}"`);
        await client.query(`ALTER SUBSCRIPTION ${outbound} DISABLE`);
        return rows[0];
    });
    const slotName = subscription.slot ?? options.outboundSubscription;

    // 2. The two copies made equal, under the edge publication's own filters.
    const reconciled: Record<string, TableReconciliation> = {};
    for (const table of publication.tables) {
        const filter = publication.filters[table] as Exclude<(typeof publication.filters)[string], string>;
        const where = filter ? ` WHERE ${renderRowFilter("rowFilter", { column: filter.column, in: filter.values })}` : "";
        reconciled[table] = await reconcileTable(options, table, where);
    }

    // 3. A fresh slot on the edge, after the copied rows (none of them is streamed back).
    const slotLsn = await withClient(options.edge, async (client) => {
        const existing = await client.query<{ lsn: string }>("SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1", [slotName]);
        if (existing.rows.length > 0) {
            // A slot restored with the data directory (or left by an interrupted run) may predate the backfill: replace it.
            await client.query("SELECT pg_drop_replication_slot($1)", [slotName]);
        }
        const { rows } = await client.query<{ lsn: string }>("SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, 'pgoutput')", [slotName]);
        return rows[0].lsn;
    });

    // 4. The region resumes from the new slot's start, not from the lost server's positions.
    await withClient(options.region, async (client) => {
        // The origin can only be moved once the disabled subscription's apply worker has exited.
        const deadline = Date.now() + (options.timeoutMs ?? 600_000);
        while ((await client.query("SELECT 1 FROM pg_stat_subscription WHERE subid = $1::oid AND pid IS NOT NULL", [subscription.oid])).rowCount) {
            if (Date.now() > deadline) throw new Error(`reattach: the apply worker of "${options.outboundSubscription}" did not stop after DISABLE`);
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await client.query(`SELECT pg_replication_origin_advance(${sqlLiteral("origin", `pg_${subscription.oid}`)}, ${sqlLiteral("lsn", slotLsn)}::pg_lsn)`);
        await client.query(`ALTER SUBSCRIPTION ${outbound} ENABLE`);
    });

    // 5. The region's master data, copied again to the edge.
    const resynced: string[] = [];
    if (options.inboundSubscription !== undefined) {
        const { rows } = await withClient(options.edge, (client) => client.query<{ relname: string }>(
            "SELECT c.relname FROM pg_subscription_rel sr JOIN pg_subscription s ON s.oid = sr.srsubid JOIN pg_class c ON c.oid = sr.srrelid WHERE s.subname = $1 ORDER BY 1",
            [options.inboundSubscription]));
        resynced.push(...rows.map((r) => r.relname));
        if (resynced.length > 0) {
            await resyncTables({ subscriber: options.edge, subscriptionName: options.inboundSubscription, publisherAdmin: options.region, tables: resynced, timeoutMs: options.timeoutMs });
        }
    }
    const outboundState = await waitForTableSync({ subscriber: options.region, subscriptionName: options.outboundSubscription, publisher: options.edge, timeoutMs: options.timeoutMs });
    return { reconciled, slotLsn, resynced, outbound: outboundState };
}
