/**
 * Cloud fallback, the runtime half: seeding the facility's database (the cloud workspace when the
 * edge is lost, the new edge when it returns) from the region, and draining the workspace.
 *
 * Seeding is {@link reattachEdge} once per regional subscriber: to the region, an empty workspace
 * (or a new edge) is an edge restored with nothing. The reconcile copies the region's rows of the
 * facility into it (the region holds everything the lost edge replicated before the loss); the
 * publication's slot is created afresh after those rows, so none of them travels back; the
 * region's replication origin is moved to the new slot. Running it again converges (each step is
 * idempotent), so a failed `pulumi up` is repaired by the next.
 *
 * Draining (return mode) comes first: the workspace's login loses LOGIN and its sessions end, then
 * the caller waits until every subscriber has confirmed the workspace's last WAL position, so the
 * region holds every row written in the cloud before the new edge is seeded from it.
 */
import type { Client } from "pg";
import { PgConnection, withClient } from "../../postgres/connection";
import { ident, sqlLiteral } from "../../postgres/sql";
import { TableReconciliation, reattachEdge } from "../../replication/providers/reattach";
import { scramSha256Verifier } from "../../replication/providers/role";
import { TABLE_CATALOG } from "../../shared/sovereignty";

/** A regional database subscribing to the facility's publication. */
export interface FacilitySubscriber {
    /** Admin connection to the regional database. Required. */
    region: PgConnection;
    /** Its subscription to the facility database (the slot on the facility side has the same name). Required. */
    subscription: string;
    /** The facility database's publication that subscription reads. Required. */
    publication: string;
}

/** The facility's own login: what its applications use at the edge. */
export interface FacilityLogin {
    /** Role name (plain lower-case identifier). Required. */
    user: string;
    /** Its password. Required. */
    password: string;
}

export interface SeedFacilityOptions {
    /** Admin connection to the database being seeded (workspace or new edge). Required. */
    node: PgConnection;
    /** Every regional subscriber of its publication(s); at least one. Required. */
    subscribers: FacilitySubscriber[];
    /** Drain this workspace first (return mode): close `login` there, wait for the subscribers. Default none. */
    drain?: { workspace: PgConnection; login?: string };
    /** Open this login on `node` (fallback mode): LOGIN with the password, rights on the catalog tables. Default none. */
    login?: FacilityLogin;
    /** Give up waiting (drain, table copies) after this long. Default 600 000 ms. */
    timeoutMs?: number;
}

export interface SeedReport {
    /** Per subscriber (subscription name), per table: what the reconcile changed. */
    reconciled: Record<string, Record<string, TableReconciliation>>;
    /** Rows copied into the seeded database, all tables and subscribers together. */
    rowsSeeded: number;
    /** Time the drain took (return mode), ms. */
    drainMs: number;
    /** Time the whole seed took, ms. */
    seedMs: number;
}

/** Whether `role` exists on the server. */
async function roleExists(client: Client, role: string): Promise<boolean> {
    return ((await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount ?? 0) > 0;
}

/** Closes `login` on the workspace (NOLOGIN, its sessions ended): no new cloud writes. */
export async function closeLogin(workspace: PgConnection, login: string): Promise<void> {
    await withClient(workspace, async (client) => {
        if (!(await roleExists(client, login))) return;
        await client.query(`ALTER ROLE ${ident("login", login)} NOLOGIN`);
        await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()", [login]);
    });
}

/**
 * Waits until every logical slot of the workspace's database has been confirmed up to the
 * workspace's current WAL position: every change made there has reached its subscribers.
 */
export async function waitForDrain(workspace: PgConnection, timeoutMs = 600_000): Promise<number> {
    const started = Date.now();
    return withClient(workspace, async (client) => {
        const { rows: [{ lsn }] } = await client.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn");
        for (;;) {
            const { rows } = await client.query<{ slot: string; behind: boolean }>(
                "SELECT slot_name AS slot, coalesce(confirmed_flush_lsn < $1::pg_lsn, true) AS behind FROM pg_replication_slots " +
                "WHERE slot_type = 'logical' AND database = current_database()", [lsn]);
            if (rows.length === 0) throw new Error(`fallback: the workspace ${workspace.database} has no replication slot: nothing carries its rows to the region`);
            const behind = rows.filter((r) => r.behind).map((r) => r.slot);
            if (behind.length === 0) return Date.now() - started;
            if (Date.now() - started > timeoutMs) throw new Error(`fallback: slot(s) ${behind.join(", ")} of the workspace did not confirm ${lsn} within ${timeoutMs} ms (is the region reachable?)`);
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    });
}

/** Creates or updates the facility's login on `node`: LOGIN, its password, rights on the catalog tables there. */
export async function openLogin(node: PgConnection, login: FacilityLogin): Promise<void> {
    const role = ident("login.user", login.user);
    await withClient(node, async (client) => {
        const verb = (await roleExists(client, login.user)) ? "ALTER" : "CREATE";
        // A SCRAM verifier, not the password: statement logs never see it (as for the replication roles).
        await client.query(`${verb} ROLE ${role} LOGIN PASSWORD ${sqlLiteral("login.password", scramSha256Verifier(login.password))}`);
        await client.query(`GRANT CONNECT ON DATABASE ${ident("database", node.database)} TO ${role}`);
        const { rows } = await client.query<{ table: string }>(
            "SELECT tablename AS table FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1::text[])", [Object.keys(TABLE_CATALOG)]);
        for (const { table } of rows) {
            // The facility writes its operational rows; master data and aggregates are the region's.
            const rights = TABLE_CATALOG[table].class === "operational" ? "SELECT, INSERT, UPDATE, DELETE" : "SELECT";
            await client.query(`GRANT ${rights} ON public.${ident("table", table)} TO ${role}`);
        }
    });
}

/** Drops the login `openLogin` created (its grants in `node`'s database first). */
export async function dropLogin(node: PgConnection, user: string): Promise<void> {
    await withClient(node, async (client) => {
        if (!(await roleExists(client, user))) return;
        await client.query(`DROP OWNED BY ${ident("login", user)}`);
        await client.query(`DROP ROLE ${ident("login", user)}`);
    });
}

/** Drains (when asked), seeds `node` from every subscriber, opens the login (when asked). */
export async function seedFacility(options: SeedFacilityOptions): Promise<SeedReport> {
    if (options.subscribers.length === 0) throw new Error("fallback: seeding needs at least one regional subscriber");
    const started = Date.now();
    let drainMs = 0;
    if (options.drain) {
        if (options.drain.login) await closeLogin(options.drain.workspace, options.drain.login);
        drainMs = await waitForDrain(options.drain.workspace, options.timeoutMs);
    }
    const reconciled: SeedReport["reconciled"] = {};
    let rowsSeeded = 0;
    for (const subscriber of options.subscribers) {
        const report = await reattachEdge({
            edge: options.node, region: subscriber.region,
            outboundSubscription: subscriber.subscription, outboundPublication: subscriber.publication,
            timeoutMs: options.timeoutMs,
        });
        reconciled[subscriber.subscription] = report.reconciled;
        for (const table of Object.values(report.reconciled)) rowsSeeded += table.toEdge;
    }
    if (options.login) await openLogin(options.node, options.login);
    return { reconciled, rowsSeeded, drainMs, seedMs: Date.now() - started };
}
