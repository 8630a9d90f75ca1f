/**
 * Replication status of a mesh, per subscription: enabled, last message time, apply lag (bytes on
 * the publisher's slot, and seconds as the publisher's walsender measures replay lag), WAL the slot
 * retains, and its `wal_status`. A slot whose WAL went past `max_slot_wal_keep_size` is reported
 * plainly: "slot lost: rebuild with full copy needed".
 *
 * Used by `npm run mesh:status` (tools/mesh-status.ts), the demo and the tests. Pure pg; no Pulumi.
 */
import { PgConnection, describeConnection, withClient } from "../../components/postgres/connection";
import type { MeshTopology } from "../../components/replication/args";

export type { MeshTopology };
import { TableSyncReport, describeStuck, describeTableState, readTableSync } from "../../components/replication/providers/table-sync";


/** One subscription seen from the subscriber. */
export interface SubscriberRow {
    subscription: string;
    enabled: boolean;
    /** pg_stat_subscription.last_msg_receipt_time (ISO), null when the apply worker is not running. */
    lastMessageAt: string | null;
    /** Apply worker running. */
    workerRunning: boolean;
    applyErrors: number;
    syncErrors: number;
}

/** One logical slot seen from the publisher. */
export interface SlotRow {
    slotName: string;
    active: boolean;
    /** `reserved`, `extended`, `unreserved` or `lost`. */
    walStatus: string | null;
    /** Bytes of WAL kept for the slot (current LSN - restart_lsn). */
    retainedBytes: number | null;
    /** Bytes not yet confirmed applied by the subscriber (current LSN - confirmed_flush_lsn). */
    lagBytes: number | null;
    /** Bytes that can still be written before the slot is lost (null when unbounded). */
    safeWalSizeBytes: number | null;
    /** Replay lag measured by the walsender, seconds (null when idle or not connected). */
    lagSeconds: number | null;
}

export interface SubscriptionStatus {
    subscription: string;
    from: string;
    to: string;
    /** Null when the subscriber could not be reached or the subscription does not exist. */
    enabled: boolean | null;
    lastMessageAt: string | null;
    applyLagBytes: number | null;
    applyLagSeconds: number | null;
    slotRetainedBytes: number | null;
    walStatus: string | null;
    /** Tables not READY yet (`table (state)`): their changes are not applied by the subscription until their copy finishes; null when unknown. */
    tablesNotReady: string[] | null;
    /** Plain sentences, empty when healthy. */
    problems: string[];
}

export interface OrphanSlot {
    node: string;
    slotName: string;
    active: boolean;
    retainedBytes: number | null;
    walStatus: string | null;
}

export interface MeshStatus {
    subscriptions: SubscriptionStatus[];
    /** Mesh-named slots (`mesh_...`) on publishers that no flow of the topology uses: left behind by a delete while the publisher was down. */
    orphanSlots: OrphanSlot[];
    unreachable: { node: string; error: string }[];
}

export const SLOT_LOST = "slot lost: rebuild with full copy needed (its WAL was removed after max_slot_wal_keep_size was exceeded)";
/** Start of the problem reported while tables are still being copied. */
export const TABLES_SYNCING = "initial copy in progress";

export const SLOT_UNRESERVED = "slot unreserved: WAL retention bound reached, the slot will be lost at the next checkpoint unless the subscriber catches up";

const num = (v: string | null | undefined) => (v === null || v === undefined ? null : Number(v));

/** Subscriptions in the connection's database. */
export async function readSubscriberRows(conn: PgConnection): Promise<SubscriberRow[]> {
    return withClient(conn, async (client) => {
        const { rows } = await client.query<{ subname: string; subenabled: boolean; last: Date | null; pid: number | null; apply_error_count: string; sync_error_count: string }>(
            "SELECT s.subname, s.subenabled, max(st.last_msg_receipt_time) AS last, max(st.pid) FILTER (WHERE st.relid IS NULL) AS pid, " +
            "coalesce(max(ss.apply_error_count), 0) AS apply_error_count, coalesce(max(ss.sync_error_count), 0) AS sync_error_count " +
            "FROM pg_subscription s LEFT JOIN pg_stat_subscription st ON st.subid = s.oid " +
            "LEFT JOIN pg_stat_subscription_stats ss ON ss.subid = s.oid " +
            "WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) GROUP BY s.subname, s.subenabled ORDER BY 1");
        return rows.map((r) => ({
            subscription: r.subname, enabled: r.subenabled, lastMessageAt: r.last ? r.last.toISOString() : null,
            workerRunning: r.pid !== null, applyErrors: Number(r.apply_error_count), syncErrors: Number(r.sync_error_count),
        }));
    }, { connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
}

/** Logical slots of the connection's database. */
export async function readSlotRows(conn: PgConnection): Promise<SlotRow[]> {
    return withClient(conn, async (client) => {
        const { rows } = await client.query<{ slot_name: string; active: boolean; wal_status: string | null; retained: string | null; lag: string | null; safe: string | null; lag_s: string | null }>(
            "SELECT s.slot_name, s.active, s.wal_status, " +
            "pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint AS retained, " +
            "pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint AS lag, s.safe_wal_size AS safe, " +
            "extract(epoch FROM r.replay_lag) AS lag_s " +
            "FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid " +
            "WHERE s.slot_type = 'logical' AND s.database = current_database() ORDER BY 1");
        return rows.map((r) => ({
            slotName: r.slot_name, active: r.active, walStatus: r.wal_status, retainedBytes: num(r.retained),
            lagBytes: num(r.lag), safeWalSizeBytes: num(r.safe), lagSeconds: num(r.lag_s),
        }));
    }, { connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
}

/** Problems of one subscription, as plain sentences. */
export function problemsOf(sub: SubscriberRow | undefined, slot: SlotRow | undefined, publisherReachable: boolean, subscriberReachable: boolean): string[] {
    const problems: string[] = [];
    if (!subscriberReachable) problems.push("subscriber unreachable");
    else if (!sub) problems.push("subscription missing on the subscriber");
    else if (!sub.enabled) problems.push(`subscription disabled${sub.applyErrors + sub.syncErrors > 0 ? ` after ${sub.applyErrors} apply / ${sub.syncErrors} sync error(s) (disable_on_error): fix the cause, then ENABLE` : ""}`);
    else if (!sub.workerRunning) problems.push("apply worker not running (publisher unreachable or restarting)");
    if (!publisherReachable) problems.push("publisher unreachable: its changes are buffered in its slot until it is back");
    else if (!slot) problems.push("slot missing on the publisher");
    else if (slot.walStatus === "lost") problems.push(SLOT_LOST);
    else if (slot.walStatus === "unreserved") problems.push(SLOT_UNRESERVED);
    return problems;
}

/** Problems of a subscription's table sync, as plain sentences. */
export function tableSyncProblems(report: TableSyncReport | undefined): string[] {
    if (!report) return [];
    const problems: string[] = [];
    if (report.stuck.length > 0) problems.push(describeStuck(report.subscription, report.stuck));
    if (report.syncing.length > 0) {
        problems.push(`${TABLES_SYNCING}: ${report.syncing.map(describeTableState).join(", ")} ` +
            "not ready; the subscription applies their changes once the copy finishes");
    }
    return problems;
}

/**
 * Status of every flow in `topology`. `connections` gives, per node name, a connection that may read
 * pg_subscription and pg_replication_slots (the admin connection). Unreachable nodes are reported,
 * never thrown.
 */
export async function meshStatus(topology: MeshTopology, connections: Record<string, PgConnection>): Promise<MeshStatus> {
    const unreachable: MeshStatus["unreachable"] = [];
    const subs = new Map<string, SubscriberRow[] | null>();
    const slots = new Map<string, SlotRow[] | null>();
    const nodes = topology.nodes.map((n) => n.name);
    await Promise.all(nodes.map(async (name) => {
        const conn = connections[name];
        if (!conn) {
            unreachable.push({ node: name, error: "no connection given" });
            subs.set(name, null);
            slots.set(name, null);
            return;
        }
        try {
            const [s, l] = await Promise.all([readSubscriberRows(conn), readSlotRows(conn)]);
            subs.set(name, s);
            slots.set(name, l);
        } catch (err) {
            unreachable.push({ node: name, error: `${describeConnection(conn)}: ${err instanceof Error ? err.message : String(err)}` });
            subs.set(name, null);
            slots.set(name, null);
        }
    }));
    const subscriptions = await Promise.all(topology.flows.map(async (flow): Promise<SubscriptionStatus> => {
        const subRows = subs.get(flow.to);
        const slotRows = slots.get(flow.from);
        const sub = subRows?.find((r) => r.subscription === flow.subscriptionName);
        const slot = slotRows?.find((r) => r.slotName === flow.subscriptionName);
        const sync = sub ? await readTableSync(connections[flow.to], flow.subscriptionName, slotRows ? connections[flow.from] : undefined).catch(() => undefined) : undefined;
        return {
            subscription: flow.subscriptionName, from: flow.from, to: flow.to,
            enabled: sub ? sub.enabled : null,
            lastMessageAt: sub?.lastMessageAt ?? null,
            applyLagBytes: slot?.lagBytes ?? null,
            applyLagSeconds: slot?.lagSeconds ?? null,
            slotRetainedBytes: slot?.retainedBytes ?? null,
            walStatus: slot?.walStatus ?? null,
            tablesNotReady: sync ? [...sync.stuck, ...sync.syncing].map(describeTableState) : null,
            problems: [...problemsOf(sub, slot, slotRows !== null && slotRows !== undefined, subRows !== null && subRows !== undefined), ...tableSyncProblems(sync)],
        };
    }));
    const used = new Set(topology.flows.map((f) => f.subscriptionName));
    const orphanSlots: OrphanSlot[] = [];
    for (const [node, rows] of slots) {
        for (const slot of rows ?? []) {
            if (slot.slotName.startsWith("mesh_") && !used.has(slot.slotName)) {
                orphanSlots.push({ node, slotName: slot.slotName, active: slot.active, retainedBytes: slot.retainedBytes, walStatus: slot.walStatus });
            }
        }
    }
    return { subscriptions, orphanSlots, unreachable };
}

function bytes(n: number | null): string {
    if (n === null) return "-";
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A human-readable table of a status. */
export function formatMeshStatus(status: MeshStatus): string {
    const header = ["subscription", "enabled", "last message", "lag", "lag s", "retained", "wal_status", "problems"];
    const rows = status.subscriptions.map((s) => [
        s.subscription, s.enabled === null ? "-" : String(s.enabled), s.lastMessageAt ?? "-", bytes(s.applyLagBytes),
        s.applyLagSeconds === null ? "-" : s.applyLagSeconds.toFixed(3), bytes(s.slotRetainedBytes), s.walStatus ?? "-",
        s.problems.length === 0 ? "ok" : s.problems.join("; "),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === rows[0]?.length - 1 ? 0 : r[i].length))));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
    const out = [line(header), ...rows.map(line)];
    for (const o of status.orphanSlots) out.push(`orphan slot ${o.slotName} on ${o.node}: retains ${bytes(o.retainedBytes)} (wal_status ${o.walStatus ?? "-"}); drop it with pg_drop_replication_slot if no subscriber will return`);
    for (const u of status.unreachable) out.push(`unreachable: ${u.node}: ${u.error}`);
    return out.join("\n");
}

/** True when anything needs attention. */
export function hasProblems(status: MeshStatus): boolean {
    return status.unreachable.length > 0 || status.orphanSlots.length > 0 || status.subscriptions.some((s) => s.problems.length > 0);
}
