/**
 * Shared helpers for the replication tests: drive the providers directly against local PostgreSQL
 * (tools/local-pg), wait for convergence, compare row counts and checksums.
 */
import { PgConnection, withClient } from "../../components/postgres/connection";
import { ensureCatalogTables } from "../../components/replication/providers/catalog-tables";
import { replicationRoleProvider, ReplicationRoleInputs } from "../../components/replication/providers/role";
import { publicationProvider, PublicationInputs } from "../../components/replication/providers/publication";
import { subscriptionProvider, SubscriptionInputs } from "../../components/replication/providers/subscription";
import { replicationRoleName } from "../../components/replication/naming";
import { RowFilter } from "../../components/replication/row-filter";

export const ROLE_PASSWORD = "Repl-pa55word-'quoted'\\-x";

/** Polls `probe` until it returns true; throws with `what` and the last value after `timeoutMs`. */
export async function waitFor(what: string, probe: () => Promise<boolean | { ok: boolean; detail: string }>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let detail = "";
    for (;;) {
        try {
            const result = await probe();
            const ok = typeof result === "boolean" ? result : result.ok;
            detail = typeof result === "boolean" ? "" : result.detail;
            if (ok) return;
        } catch (err) {
            detail = err instanceof Error ? err.message : String(err);
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${detail ? `: ${detail}` : ""}`);
        await new Promise((resolve) => setTimeout(resolve, 150));
    }
}

/** Count and an order-independent checksum (md5 of the sorted row texts) of a table, optionally filtered by facility. */
export async function tableDigest(conn: PgConnection, table: string, facility?: string): Promise<{ count: number; checksum: string }> {
    return withClient(conn, async (client) => {
        const where = facility === undefined ? "" : "WHERE t.facility_id = $1";
        const { rows } = await client.query<{ count: string; checksum: string | null }>(
            `SELECT count(*) AS count, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS checksum FROM public.${table} t ${where}`,
            facility === undefined ? [] : [facility]);
        return { count: Number(rows[0].count), checksum: rows[0].checksum ?? "" };
    });
}

/** Waits until `table` (optionally one facility's rows) has the same count and checksum on both sides. */
export async function waitInStep(source: PgConnection, target: PgConnection, table: string, facility?: string, timeoutMs = 60_000): Promise<{ count: number; checksum: string }> {
    let last = { count: -1, checksum: "" };
    await waitFor(`${table} in step`, async () => {
        const [a, b] = await Promise.all([tableDigest(source, table, facility), tableDigest(target, table, facility)]);
        last = a;
        return { ok: a.count === b.count && a.checksum === b.checksum, detail: `source ${a.count} rows, target ${b.count} rows` };
    }, timeoutMs);
    return last;
}

/** Inserts `n` orders for a facility, ids `${prefix}-${i}`. */
export async function insertOrders(conn: PgConnection, facility: string, prefix: string, n: number): Promise<void> {
    await withClient(conn, (client) => client.query(
        "INSERT INTO public.orders (facility_id, tenant_id, order_id, customer_id, product_id, quantity, status) " +
        "SELECT $1, 'tenant-1', $2 || '-' || g, 'c-' || (g % 17), 'p-' || (g % 5), g % 9 + 1, 'new' FROM generate_series(1, $3::int) g",
        [facility, prefix, n]));
}

/** Everything needed to wire one flow by hand with the providers (what the component does). */
export interface ManualFlow {
    from: PgConnection;
    to: PgConnection;
    fromNode: string;
    name: string;
    tables: string[];
    rowFilter?: RowFilter;
    options?: Partial<Pick<SubscriptionInputs, "copyData" | "origin" | "streaming" | "binary" | "disableOnError">>;
}

export function roleInputs(flow: ManualFlow, tables = flow.tables): ReplicationRoleInputs {
    return { connection: flow.from, roleName: replicationRoleName(flow.fromNode), password: ROLE_PASSWORD, tables, replicationAttribute: true, grantRoles: [] };
}

export function publicationInputs(flow: ManualFlow): PublicationInputs {
    return { connection: flow.from, publicationName: flow.name, tables: flow.tables, rowFilter: flow.rowFilter ?? null, publish: ["insert", "update", "delete", "truncate"] };
}

export function subscriptionInputs(flow: ManualFlow): SubscriptionInputs {
    return {
        connection: flow.to,
        subscriptionName: flow.name,
        publisher: { ...flow.from, user: replicationRoleName(flow.fromNode), password: ROLE_PASSWORD },
        publisherAdmin: flow.from,
        publications: [flow.name],
        tables: [...flow.tables].sort(),
        ...flow.options,
    };
}

/** Creates schema on both ends, the role, the publication and the subscription, as the component would. */
export async function wireFlow(flow: ManualFlow): Promise<void> {
    await ensureCatalogTables(flow.from, flow.tables);
    await ensureCatalogTables(flow.to, flow.tables);
    await replicationRoleProvider.create!(roleInputs(flow));
    await publicationProvider.create!(publicationInputs(flow));
    await subscriptionProvider.create!(subscriptionInputs(flow));
}

/** `promise`, or a rejection with `message` after `ms` (the timer is cleared either way). */
export async function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
        return await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); })]);
    } finally {
        clearTimeout(timer);
    }
}
