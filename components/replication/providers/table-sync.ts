/**
 * Per-table synchronisation state of a subscription (`pg_subscription_rel`), and waiting for it.
 *
 * A subscription applies a table's changes only once the table is READY ('r'). Before that the
 * table's own table-sync worker copies it and streams its changes from a slot of its own
 * (`pg_<subid>_sync_<relid>_<sysid>` on the publisher); the subscription's apply worker skips them.
 * So "the subscription exists and its slot is confirmed" does not mean "its tables replicate": a
 * subscription can only be trusted (for a switch, or before stopping its server) when every table
 * is READY.
 *
 * A PostgreSQL 16 hazard makes this matter: when a table-sync worker has caught up, it records the
 * table as SYNCDONE in a transaction, drops its slot on the publisher (not transactional) and only
 * then commits. A worker stopped between the drop and the commit (fast shutdown, crash, DISABLE)
 * leaves the table at FINISHEDCOPY ('f') with no slot: every restarted worker fails with "replication
 * slot ... does not exist", the table never becomes READY, and the apply worker skips its changes
 * for good — silently. {@link readTableSync} reports such tables as stuck; they need a re-sync
 * (see resync-tables.ts).
 */
import { PgConnection, withClient } from "../../postgres/connection";

/** `pg_subscription_rel.srsubstate`, named. */
export const SYNC_STATE_NAMES: Record<string, string> = {
    i: "init", d: "copying", f: "copied, catching up", s: "sync done", r: "ready",
};

/** `table (state name)`, as status lines and errors show a table that is not READY. */
export function describeTableState(t: Pick<TableSyncState, "table" | "state">): string {
    return `${t.table} (${SYNC_STATE_NAMES[t.state] ?? t.state})`;
}

/** One table of a subscription. */
export interface TableSyncState {
    table: string;
    /** `i`, `d`, `f`, `s` or `r`. */
    state: string;
    /** The table-sync slot's name on the publisher (exists while a copy is in progress). */
    syncSlot: string;
}

/** Where a subscription's tables are. */
export interface TableSyncReport {
    subscription: string;
    /** Tables in state READY. */
    ready: string[];
    /** Tables whose initial copy (or catch-up) is still in progress. */
    syncing: TableSyncState[];
    /** Tables whose copy cannot finish: state FINISHEDCOPY and their sync slot gone from the publisher. */
    stuck: TableSyncState[];
}

/** A table whose table sync cannot finish (see the module comment). */
export class TableSyncStuckError extends Error {
    constructor(public readonly subscription: string, public readonly tables: readonly TableSyncState[]) {
        super(describeStuck(subscription, tables));
        this.name = "TableSyncStuckError";
    }
}

/** The sentence status and errors use for stuck tables. */
export function describeStuck(subscription: string, tables: readonly TableSyncState[]): string {
    const names = tables.map((t) => `"${t.table}"`).join(", ");
    return `table sync of ${names} in subscription "${subscription}" cannot finish: copied but its sync slot ` +
        `(${tables.map((t) => t.syncSlot).join(", ")}) is gone from the publisher (PostgreSQL 16 drops it before recording ` +
        `the table as synchronised; the worker was stopped in between), so the subscription skips the table's changes. ` +
        `Re-sync the table (resyncTables)`;
}

interface RelRow { subid: number; relid: number; relname: string; state: string; sysid: string }

async function readRelStates(subscriber: PgConnection, subscriptionName: string): Promise<RelRow[]> {
    return withClient(subscriber, async (client) => (await client.query<RelRow>(
        "SELECT s.oid::int AS subid, r.srrelid::int AS relid, c.relname::text AS relname, r.srsubstate::text AS state, " +
        "(SELECT system_identifier::text FROM pg_control_system()) AS sysid " +
        "FROM pg_subscription s JOIN pg_subscription_rel r ON r.srsubid = s.oid JOIN pg_class c ON c.oid = r.srrelid " +
        "WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY c.relname",
        [subscriptionName])).rows, { connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
}

/** The table-sync slot's name, as PostgreSQL derives it (subscription, table, subscriber's system id). */
function syncSlotName(r: RelRow): string {
    return `pg_${r.subid}_sync_${r.relid}_${r.sysid}`;
}

/** Which of `names` exist as slots on the publisher. */
async function slotsOnPublisher(publisher: PgConnection, names: string[]): Promise<Set<string>> {
    return withClient(publisher, async (client) => new Set((await client.query<{ slot_name: string }>(
        "SELECT slot_name::text FROM pg_replication_slots WHERE slot_name = ANY($1::text[])", [names])).rows.map((r) => r.slot_name)),
    { connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
}

/** Time a finishing worker needs between dropping its slot and committing: a stuck table must stay so for longer. */
const STUCK_CONFIRM_MS = 1_000;

/**
 * The sync state of every table of `subscriptionName` (read on the subscriber). With `publisher`
 * (a login that can read pg_replication_slots there), tables at FINISHEDCOPY whose sync slot is
 * gone are reported as stuck — confirmed by a second look after a moment, since a finishing worker
 * passes through that combination for a few milliseconds. Without it they count as syncing.
 */
export async function readTableSync(subscriber: PgConnection, subscriptionName: string, publisher?: PgConnection): Promise<TableSyncReport> {
    const look = async () => {
        const rels = await readRelStates(subscriber, subscriptionName);
        const copied = rels.filter((r) => r.state === "f");
        const present = publisher && copied.length > 0 ? await slotsOnPublisher(publisher, copied.map(syncSlotName)) : undefined;
        const gone = new Set(present ? copied.filter((r) => !present.has(syncSlotName(r))).map((r) => r.relid) : []);
        return { rels, gone };
    };
    let { rels, gone } = await look();
    if (publisher && gone.size > 0) {
        await new Promise((resolve) => setTimeout(resolve, STUCK_CONFIRM_MS));
        const again = await look();
        rels = again.rels;
        gone = new Set([...again.gone].filter((relid) => gone.has(relid)));
    }
    const state = (r: RelRow): TableSyncState => ({ table: r.relname, state: r.state, syncSlot: syncSlotName(r) });
    return {
        subscription: subscriptionName,
        ready: rels.filter((r) => r.state === "r").map((r) => r.relname),
        syncing: rels.filter((r) => r.state !== "r" && !gone.has(r.relid)).map(state),
        stuck: rels.filter((r) => gone.has(r.relid)).map(state),
    };
}

export interface WaitForTableSyncOptions {
    /** Admin connection to the subscribing database. Required. */
    subscriber: PgConnection;
    /** The subscription. Required. */
    subscriptionName: string;
    /** A login on the publisher that can read pg_replication_slots (to recognise stuck tables); default none (a stuck table then times out). */
    publisher?: PgConnection;
    /** Give up after this long; default 600 000 ms. */
    timeoutMs?: number;
    /** Pause between looks; default 200 ms. */
    intervalMs?: number;
}

/**
 * Waits until every table of the subscription is READY. Throws {@link TableSyncStuckError} as soon
 * as a table is seen stuck, and a plain Error naming the tables still syncing on timeout.
 */
export async function waitForTableSync(options: WaitForTableSyncOptions): Promise<TableSyncReport> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
        const report = await readTableSync(options.subscriber, options.subscriptionName, options.publisher);
        if (report.stuck.length > 0) throw new TableSyncStuckError(options.subscriptionName, report.stuck);
        if (report.syncing.length === 0) return report;
        if (Date.now() > deadline) {
            throw new Error(`subscription "${options.subscriptionName}": initial copy not finished in time; tables not ready: ` +
                report.syncing.map(describeTableState).join(", "));
        }
        await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
    }
}
