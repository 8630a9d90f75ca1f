/**
 * Count + checksum of a table's rows, and the comparison of two such digests. This is how the demo
 * proves "nothing lost": the same rows in the same order hash to the same md5 on both sides.
 *
 * The digest covers the catalog's columns only (a regional copy may carry extra bookkeeping
 * columns) in primary-key order, rendered with the session time zone pinned to UTC so two servers
 * with different defaults still agree.
 */
import type { QueryResult, QueryResultRow } from "pg";
import { ident } from "../../components/postgres/sql";
import { TABLE_CATALOG } from "../../components/shared/sovereignty";
import { Check } from "./narrator";

/** Anything that runs a parameterised query: a pg Client or Pool. */
export interface Queryable {
    query<R extends QueryResultRow = any>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/** Rows of one table (optionally one column = value slice) on one database. */
export interface TableDigest {
    /** Where the digest was taken, for messages (`edge-la`, `us-east-blue`). */
    node: string;
    table: string;
    count: number;
    /** md5 of the rows in primary-key order; md5 of the empty string for no rows. */
    md5: string;
}

/** Restricts a digest to the rows where `column` equals `value` (e.g. one facility's rows). */
export interface RowSlice {
    column: string;
    value: string;
}

/** Takes the digest of a catalog table, or of the slice of it where `slice.column = slice.value`. */
export async function digestTable(db: Queryable, node: string, table: string, slice?: RowSlice): Promise<TableDigest> {
    const spec = TABLE_CATALOG[table];
    if (spec === undefined) throw new Error(`table "${table}" is not in the catalog`);
    if (slice !== undefined && !spec.columns.includes(slice.column)) {
        throw new Error(`column "${slice.column}" is not a column of "${table}"`);
    }
    const columns = spec.columns.map((column) => ident("column", column)).join(", ");
    const order = spec.primaryKey.map((column) => ident("primaryKey", column)).join(", ");
    const where = slice === undefined ? "" : ` WHERE ${ident("slice.column", slice.column)} = $1`;
    // One round trip: the SET only lasts for this transaction.
    const sql =
        `SELECT count(*)::int AS count, md5(coalesce(string_agg(row(${columns})::text, E'\\n' ORDER BY ${order}), '')) AS md5 ` +
        `FROM ${ident("table", table)}${where}`;
    await db.query("BEGIN");
    try {
        await db.query("SET LOCAL TimeZone = 'UTC'");
        const result = await db.query<{ count: number; md5: string }>(sql, slice === undefined ? [] : [slice.value]);
        await db.query("COMMIT");
        return { node, table, count: result.rows[0].count, md5: result.rows[0].md5 };
    } catch (error) {
        await db.query("ROLLBACK").catch(() => undefined);
        throw error;
    }
}

/** One printed line per digest: `edge-la orders: 42 rows, md5 1a2b3c4d…`. */
export function describeDigest(digest: TableDigest): string {
    return `${digest.node.padEnd(14)} ${digest.table}: ${String(digest.count).padStart(6)} rows, md5 ${digest.md5}`;
}

/**
 * The check "target holds exactly the source's rows": same count and same checksum. The details
 * print both digests so a reader can compare them by eye.
 */
export function compareDigests(label: string, source: TableDigest, target: TableDigest): Check {
    const ok = source.table === target.table && source.count === target.count && source.md5 === target.md5;
    const details = [describeDigest(source), describeDigest(target)];
    if (!ok) {
        const missing = source.count - target.count;
        details.push(
            missing !== 0
                ? `${target.node} differs by ${Math.abs(missing)} row(s) (${missing > 0 ? "missing" : "extra"})`
                : `${target.node} has the same count but different contents`,
        );
    }
    return { ok, label, details };
}
