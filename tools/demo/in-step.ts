/**
 * The demo's central check, "target holds exactly the source's rows", per table: count and md5
 * compared (digest.ts). `checkInStep` looks once — a test runs it against diverged databases to
 * prove it can fail — and `waitInStep` looks until the sides agree or the deadline passes, then
 * reports the last comparison (so a failure prints both digests and how they differ).
 */
import { PgConnection, withClient } from "../../components/postgres/connection";
import { RowSlice, compareDigests, digestTable } from "./digest";
import { Check, formatDuration } from "./narrator";
import { WaitOptions, waitUntil } from "./wait";

/** A database as the demo names it. */
export interface Endpoint {
    /** Node name for messages (`edge_la`). */
    node: string;
    conn: PgConnection;
}

/** Compares `tables` (optionally one slice, e.g. one facility's rows) on both sides once. */
export async function checkInStep(source: Endpoint, target: Endpoint, tables: readonly string[], slice?: RowSlice): Promise<Check[]> {
    const [sourceDigests, targetDigests] = await Promise.all([source, target].map((end) => withClient(end.conn, async (client) => {
        const digests = [];
        for (const table of tables) digests.push(await digestTable(client, end.node, table, slice));
        return digests;
    }, { applicationName: "agogsaas-demo" })));
    const scope = slice ? ` (${slice.column} = ${slice.value})` : "";
    return tables.map((table, i) => compareDigests(`${table}${scope}: ${target.node} has exactly ${source.node}'s rows`, sourceDigests[i], targetDigests[i]));
}

/**
 * Waits until every table agrees (or the deadline), then returns the last comparison; the first
 * check's label says how long convergence took.
 */
export async function waitInStep(source: Endpoint, target: Endpoint, tables: readonly string[], slice?: RowSlice, options: WaitOptions = {}): Promise<Check[]> {
    const outcome = await waitUntil(
        () => checkInStep(source, target, tables, slice).catch((error: unknown): Check[] =>
            [{ ok: false, label: `${target.node} not readable yet`, details: [error instanceof Error ? error.message : String(error)] }]),
        (checks) => checks.every((check) => check.ok),
        { intervalMs: 100, ...options },
    );
    const verdict = outcome.ok ? `in step after ${formatDuration(outcome.ms)}` : `NOT in step after ${formatDuration(outcome.ms)}`;
    return outcome.value.map((check, i) => (i === 0 ? { ...check, label: `${check.label} — ${verdict}` } : check));
}
