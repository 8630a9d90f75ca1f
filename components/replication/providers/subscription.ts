/**
 * Subscription (dynamic resource) on the subscribing node, reading publications of another node
 * through the publisher's least-privilege replication role.
 *
 * Provider API (stable): `subscriptionProvider.create/read/diff/update/delete` with
 * {@link SubscriptionInputs}; `dropSubscription(props)` returns a {@link DropReport}.
 *
 * Traps handled:
 * - the replication slot is always created separately on the publisher
 *   (`pg_create_logical_replication_slot`) and the subscription uses `create_slot = false`:
 *   `CREATE SUBSCRIPTION` that creates its slot on the same cluster (blue and green databases on
 *   one server) hangs forever; one code path for every case;
 * - CREATE/ALTER .. REFRESH/DROP SUBSCRIPTION run outside any transaction block (autocommit);
 * - changes of publications use `ALTER SUBSCRIPTION ... SET PUBLICATION`, new tables of a
 *   publication `ALTER SUBSCRIPTION ... REFRESH PUBLICATION`: never a replacement (which would
 *   copy all data again);
 * - delete never waits on the publisher: DISABLE, `SET (slot_name = NONE)`, DROP (none of which
 *   contact the publisher), then drop the slot through `publisherAdmin` if the publisher is
 *   reachable; otherwise the slot left behind is reported (stderr and the returned report; the
 *   status command lists it as an orphan, and it keeps WAL until `max_slot_wal_keep_size`);
 * - a slot left over from an earlier subscription is reused only with `copy_data = false`
 *   (resuming where it stopped); with a full copy it is dropped and recreated, or rows copied and
 *   streamed would apply twice;
 * - create and update return only when every table of the subscription is READY (initial copy
 *   done; table-sync.ts): before that the subscription skips a table's changes, and a table whose
 *   sync cannot finish (a PostgreSQL 16 hazard on worker stop) fails the resource with the repair
 *   to run instead of passing silently;
 * - before subscribing (and when publications or tables change) the publisher's publications are
 *   read: one missing, or carrying a table not in `tables`, is refused. `tables` (which the policy
 *   pack checks against the zones) is therefore what really arrives, even from a publication
 *   another stack manages.
 * Slots need no admin: `publisherAdmin` may be the publisher's replication role (REPLICATION or
 * `rds_replication` may create and drop logical slots), which is how a peer region's stack
 * subscribes without its admin login. Credentials arrive as (secret) inputs; none is captured by
 * this module.
 */
import type { Client } from "pg";
import { PgConnection, describeConnection, withClient } from "../../postgres/connection";
import { canonicalJson, connectionLocation } from "../../postgres/providers/dynamic";
import { pgObjectProvider } from "../../postgres/providers/pg-object-provider";
import { assertSqlIdentifier, conninfoValue, ident, sqlLiteral } from "../../postgres/sql";
import { waitForTableSync } from "./table-sync";

export type StreamingMode = "off" | "on" | "parallel";

/** Subscription options, the same for the resource's args and its resolved inputs. */
export interface SubscriptionOptions {
    /** Copy existing rows at create and for tables added later; default true. */
    copyData?: boolean;
    /** `off`, `on` or `parallel`; default `parallel`. */
    streaming?: StreamingMode;
    /** Binary transfer; default true. */
    binary?: boolean;
    /** Disable on error; default false (PostgreSQL 16 also disables on a lost publisher connection). */
    disableOnError?: boolean;
    /** `any` or `none`; default `any`. */
    origin?: "any" | "none";
    /** Subscription enabled; default true. */
    enabled?: boolean;
    /** How long create/update wait for every table's initial copy to finish (all READY) before failing; default 600 000 ms. */
    syncTimeoutMs?: number;
}

/** Resolved inputs. */
export interface SubscriptionInputs extends SubscriptionOptions {
    /** Admin connection to the subscribing database. */
    connection: PgConnection;
    /** Subscription name; also the slot name on the publisher (plain identifier). */
    subscriptionName: string;
    /** The publisher as the subscriber reaches it, logging in as the replication role (written into the subscription's conninfo). */
    publisher: PgConnection;
    /** Connection that creates, inspects and drops the slot on the publisher: its admin, or its replication role (enough for slots). */
    publisherAdmin: PgConnection;
    /** Publications subscribed. */
    publications: string[];
    /** Tables the publications carry; a change triggers `REFRESH PUBLICATION`. */
    tables: string[];
}

/** What `read` finds (and what is kept as state). */
export interface SubscriptionState extends SubscriptionInputs {
    /** Slot name on the publisher. */
    slotName: string;
}

/** Result of a delete. */
export interface DropReport {
    /** The subscription existed and was dropped. */
    subscriptionDropped: boolean;
    /** The slot was dropped on the publisher (or was already gone). */
    slotDropped: boolean;
    /** When the publisher could not be reached: the slot still there, retaining WAL. */
    slotLeftBehind?: { slotName: string; publisher: string; reason: string };
}

/** A subscription's options when not given: the resource class registers them, the provider fills them into inputs that lack them. */
export const SUBSCRIPTION_DEFAULTS = { copyData: true, streaming: "parallel" as StreamingMode, binary: true, disableOnError: false, origin: "any" as const, enabled: true };

function withDefaults(inputs: SubscriptionInputs): Required<SubscriptionInputs> {
    return { ...SUBSCRIPTION_DEFAULTS, ...Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined && v !== null)) } as Required<SubscriptionInputs>;
}

function validate(inputs: SubscriptionInputs): void {
    assertSqlIdentifier("subscriptionName", inputs.subscriptionName);
    if (!Array.isArray(inputs.publications) || inputs.publications.length === 0) throw new Error("subscription: at least one publication is required");
    inputs.publications.forEach((p, i) => assertSqlIdentifier(`publications[${i}]`, p));
    inputs.tables.forEach((t, i) => assertSqlIdentifier(`tables[${i}]`, t));
    if (!["off", "on", "parallel"].includes(withDefaults(inputs).streaming)) throw new Error("streaming: must be off, on or parallel");
    if (!["any", "none"].includes(withDefaults(inputs).origin)) throw new Error("origin: must be any or none");
}

/** libpq conninfo for the publisher (values quoted for libpq). */
export function publisherConninfo(publisher: PgConnection): string {
    return [
        `host=${conninfoValue(publisher.host)}`, `port=${conninfoValue(Number(publisher.port))}`,
        `dbname=${conninfoValue(publisher.database)}`, `user=${conninfoValue(publisher.user)}`,
        `password=${conninfoValue(publisher.password)}`, `sslmode=${conninfoValue(publisher.ssl ?? "disable")}`,
        `connect_timeout=${conninfoValue(10)}`,
    ].join(" ");
}

/** Parses a libpq key=value conninfo (as stored in pg_subscription.subconninfo). */
export function parseConninfo(conninfo: string): Record<string, string> {
    const out: Record<string, string> = {};
    const re = /\s*([a-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S+))/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(conninfo)) !== null) out[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
    return out;
}

function optionsClause(inputs: Required<SubscriptionInputs>): string {
    return [
        `binary = ${inputs.binary}`, `streaming = ${sqlLiteral("streaming", inputs.streaming)}`,
        `disable_on_error = ${inputs.disableOnError}`, `origin = ${sqlLiteral("origin", inputs.origin)}`,
    ].join(", ");
}

interface SubscriptionRow {
    subenabled: boolean; subbinary: boolean; substream: string; subdisableonerr: boolean; suborigin: string;
    subslotname: string | null; subpublications: string[]; subconninfo: string;
}

/** Reads the subscription; undefined when it does not exist in the connection's database. */
export async function readSubscription(conn: PgConnection, name: string): Promise<Omit<SubscriptionState, "connection" | "publisherAdmin" | "copyData"> | undefined> {
    return withClient(conn, async (client) => {
        const { rows } = await client.query<SubscriptionRow>(
            "SELECT subenabled, subbinary, substream::text, subdisableonerr, suborigin, subslotname, subpublications, subconninfo " +
            "FROM pg_subscription WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())", [name]);
        if (rows.length === 0) return undefined;
        const s = rows[0];
        const { rows: rels } = await client.query<{ relname: string }>(
            "SELECT c.relname FROM pg_subscription_rel r JOIN pg_class c ON c.oid = r.srrelid JOIN pg_subscription s ON s.oid = r.srsubid " +
            "WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 1", [name]);
        const ci = parseConninfo(s.subconninfo);
        return {
            subscriptionName: name,
            publisher: {
                host: ci.host ?? ci.hostaddr ?? "", port: Number(ci.port ?? 5432), database: ci.dbname ?? "", user: ci.user ?? "",
                password: ci.password ?? "", ssl: (ci.sslmode as PgConnection["ssl"]) ?? "disable",
            },
            publications: [...s.subpublications].sort(),
            tables: rels.map((r) => r.relname),
            streaming: s.substream === "p" ? "parallel" : s.substream === "t" ? "on" : "off",
            binary: s.subbinary, disableOnError: s.subdisableonerr, origin: s.suborigin === "none" ? "none" : "any",
            enabled: s.subenabled, slotName: s.subslotname ?? "",
        };
    });
}

/** Makes sure the slot exists on the publisher; recreates a stale one when a full copy follows. Returns true if created. */
export async function ensureSlot(publisherAdmin: PgConnection, slotName: string, reuse: boolean): Promise<boolean> {
    return withClient(publisherAdmin, async (client) => {
        const { rows } = await client.query<{ plugin: string; database: string; active: boolean }>(
            "SELECT plugin, database, active FROM pg_replication_slots WHERE slot_name = $1", [slotName]);
        const slot = rows[0];
        if (slot && reuse && slot.plugin === "pgoutput" && slot.database === publisherAdmin.database) return false;
        if (slot) {
            if (slot.active) throw new Error(`slot "${slotName}" on ${describeConnection(publisherAdmin)} is in use by another subscriber`);
            await client.query("SELECT pg_drop_replication_slot($1)", [slotName]);
        }
        await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slotName]);
        return true;
    }, { statementTimeoutMs: 120_000 });
}

async function dropSlotIfPresent(client: Client, slotName: string, waitMs = 15_000): Promise<void> {
    const deadline = Date.now() + waitMs;
    for (;;) {
        const { rows } = await client.query<{ active: boolean; active_pid: number | null }>(
            "SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = $1", [slotName]);
        if (rows.length === 0) return;
        if (!rows[0].active) {
            await client.query("SELECT pg_drop_replication_slot($1)", [slotName]);
            return;
        }
        if (Date.now() > deadline && rows[0].active_pid) {
            // The subscriber was disabled but its walsender lingers (network partition): end it.
            await client.query("SELECT pg_terminate_backend($1)", [rows[0].active_pid]);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

/**
 * Refuses publications that do not exist on the publisher or carry a table not in `tables` (read
 * from `pg_publication_tables`, which any login may read).
 */
export async function assertPublishedTables(publisher: PgConnection, publications: string[], tables: string[]): Promise<void> {
    const { rows } = await withClient(publisher, (client) => client.query<{ pubname: string; tablename: string | null }>(
        "SELECT p.pubname, t.tablename FROM pg_publication p LEFT JOIN pg_publication_tables t ON t.pubname = p.pubname WHERE p.pubname = ANY($1::text[])",
        [publications]));
    const missing = publications.filter((p) => !rows.some((r) => r.pubname === p));
    if (missing.length > 0) {
        throw new Error(`publication(s) ${missing.map((p) => `"${p}"`).join(", ")} not found on ${describeConnection(publisher)} (a publication another stack offers exists once that stack is deployed)`);
    }
    const undeclared = [...new Set(rows.map((r) => r.tablename).filter((t): t is string => t !== null && !tables.includes(t)))].sort();
    if (undeclared.length > 0) {
        throw new Error(`publication(s) ${publications.map((p) => `"${p}"`).join(", ")} on ${describeConnection(publisher)} carry table(s) ${undeclared.map((t) => `"${t}"`).join(", ")} ` +
            `not in the subscription's tables (${tables.join(", ")}): refusing to subscribe`);
    }
}

async function createSubscription(inputs: Required<SubscriptionInputs>): Promise<void> {
    if (inputs.enabled) await assertPublishedTables(inputs.publisherAdmin, inputs.publications, inputs.tables);
    const slotCreated = await ensureSlot(inputs.publisherAdmin, inputs.subscriptionName, !inputs.copyData);
    try {
        await withClient(inputs.connection, async (client) => {
            // Autocommit: CREATE SUBSCRIPTION refuses to run inside a transaction block.
            await client.query(
                `CREATE SUBSCRIPTION ${ident("subscriptionName", inputs.subscriptionName)} ` +
                `CONNECTION ${sqlLiteral("connection", publisherConninfo(inputs.publisher))} ` +
                `PUBLICATION ${inputs.publications.map((p, i) => ident(`publications[${i}]`, p)).join(", ")} ` +
                `WITH (create_slot = false, slot_name = ${sqlLiteral("slotName", inputs.subscriptionName)}, ` +
                `copy_data = ${inputs.copyData}, enabled = ${inputs.enabled}, ${optionsClause(inputs)})`);
        });
    } catch (err) {
        if (slotCreated) {
            await withClient(inputs.publisherAdmin, (client) => dropSlotIfPresent(client, inputs.subscriptionName)).catch(() => undefined);
        }
        throw err;
    }
}

/** Brings an existing subscription to the inputs without replacing it. */
async function alterSubscription(actual: NonNullable<Awaited<ReturnType<typeof readSubscription>>>, inputs: Required<SubscriptionInputs>): Promise<void> {
    const name = ident("subscriptionName", inputs.subscriptionName);
    const publisherChanged = canonicalJson({ ...actual.publisher, port: Number(actual.publisher.port) }) !==
        canonicalJson({ ...inputs.publisher, port: Number(inputs.publisher.port), ssl: inputs.publisher.ssl ?? "disable" });
    const optionsChanged = actual.binary !== inputs.binary || actual.streaming !== inputs.streaming ||
        actual.disableOnError !== inputs.disableOnError || actual.origin !== inputs.origin;
    const publicationsChanged = canonicalJson([...actual.publications].sort()) !== canonicalJson([...inputs.publications].sort());
    const tablesChanged = canonicalJson([...actual.tables].sort()) !== canonicalJson([...inputs.tables].sort());
    if ((publicationsChanged || tablesChanged) && inputs.enabled) await assertPublishedTables(inputs.publisherAdmin, inputs.publications, inputs.tables);
    await withClient(inputs.connection, async (client) => {
        if (publisherChanged) await client.query(`ALTER SUBSCRIPTION ${name} CONNECTION ${sqlLiteral("connection", publisherConninfo(inputs.publisher))}`);
        if (optionsChanged) await client.query(`ALTER SUBSCRIPTION ${name} SET (${optionsClause(inputs)})`);
        if (inputs.enabled && !actual.enabled) await client.query(`ALTER SUBSCRIPTION ${name} ENABLE`);
        // REFRESH needs an enabled subscription; a disabled one is refreshed when enabled again.
        const canRefresh = inputs.enabled;
        if (publicationsChanged) {
            await client.query(`ALTER SUBSCRIPTION ${name} SET PUBLICATION ${inputs.publications.map((p, i) => ident(`publications[${i}]`, p)).join(", ")} ` +
                (canRefresh ? `WITH (refresh = true, copy_data = ${inputs.copyData})` : "WITH (refresh = false)"));
        } else if (tablesChanged && canRefresh) {
            await client.query(`ALTER SUBSCRIPTION ${name} REFRESH PUBLICATION WITH (copy_data = ${inputs.copyData})`);
        }
        if (!inputs.enabled && actual.enabled) await client.query(`ALTER SUBSCRIPTION ${name} DISABLE`);
    }, { statementTimeoutMs: 120_000 });
}

/** Creates the subscription, or adopts and converges an existing one of the same name. */
export async function applySubscription(raw: SubscriptionInputs): Promise<SubscriptionState> {
    validate(raw);
    const inputs = withDefaults(raw);
    const actual = await readSubscription(inputs.connection, inputs.subscriptionName);
    if (actual) await alterSubscription(actual, inputs);
    else await createSubscription(inputs);
    // Until a table is READY the subscription skips its changes (its table-sync worker has them):
    // the resource is done when the data flows, and a table whose sync cannot finish fails it.
    if (inputs.enabled) {
        await waitForTableSync({ subscriber: inputs.connection, subscriptionName: inputs.subscriptionName, publisher: inputs.publisherAdmin, timeoutMs: raw.syncTimeoutMs });
    }
    return { ...inputs, publications: [...inputs.publications].sort(), tables: [...inputs.tables].sort(), slotName: inputs.subscriptionName };
}

/**
 * While an initial copy is in progress, DROP SUBSCRIPTION connects to the publisher to drop the
 * table-sync slots even with `slot_name = NONE`. With publisher and subscriber on one cluster that
 * can deadlock: a table-sync worker creating its slot waits for running transactions (the DROP's
 * own) while the DROP waits for that slot. So: wait for the disabled subscription's workers to
 * exit, then drop its table-sync slots (`pg_<subid>_sync_<relid>_<sysid>`) through the publisher
 * admin first; DROP SUBSCRIPTION then finds none. Best effort: an unreachable publisher is skipped
 * (DROP SUBSCRIPTION then gives up on it without waiting, as for the main slot).
 */
async function dropTablesyncSlots(subscriber: Client, props: SubscriptionInputs): Promise<void> {
    const { rows } = await subscriber.query<{ oid: number; syncing: number }>(
        "SELECT s.oid, (SELECT count(*)::int FROM pg_subscription_rel r WHERE r.srsubid = s.oid AND r.srsubstate <> 'r') AS syncing " +
        "FROM pg_subscription s WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [props.subscriptionName]);
    if (rows.length === 0 || rows[0].syncing === 0) return;
    const subid = rows[0].oid;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
        const workers = await subscriber.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_subscription WHERE subid = $1 AND pid IS NOT NULL", [subid]);
        if (workers.rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await withClient(props.publisherAdmin, async (publisher) => {
        const slots = await publisher.query<{ slot_name: string }>(
            "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE $1", [`pg\\_${subid}\\_sync\\_%`]);
        for (const slot of slots.rows) await dropSlotIfPresent(publisher, slot.slot_name, 5_000);
    }, { connectTimeoutMs: 5_000 }).catch(() => undefined);
}

/**
 * Drops the subscription without ever waiting on the publisher, then drops its slot if the
 * publisher answers; otherwise reports the slot left behind.
 */
export async function dropSubscription(props: SubscriptionInputs & { slotName?: string }): Promise<DropReport> {
    const name = ident("subscriptionName", props.subscriptionName);
    const slotName = props.slotName || props.subscriptionName;
    const subscriptionDropped = await withClient(props.connection, async (client) => {
        const exists = await readSubscription(props.connection, props.subscriptionName);
        if (!exists) return false;
        await client.query(`ALTER SUBSCRIPTION ${name} DISABLE`);
        await client.query(`ALTER SUBSCRIPTION ${name} SET (slot_name = NONE)`);
        await dropTablesyncSlots(client, props);
        await client.query(`DROP SUBSCRIPTION ${name}`);
        return true;
    });
    try {
        await withClient(props.publisherAdmin, (client) => dropSlotIfPresent(client, slotName), { connectTimeoutMs: 5_000 });
        return { subscriptionDropped, slotDropped: true };
    } catch (err) {
        const report: DropReport = {
            subscriptionDropped, slotDropped: false,
            slotLeftBehind: { slotName, publisher: describeConnection(props.publisherAdmin), reason: err instanceof Error ? err.message : String(err) },
        };
        console.warn(`replication slot "${slotName}" left behind on ${report.slotLeftBehind!.publisher} (publisher unreachable: ` +
            `${report.slotLeftBehind!.reason}). It retains WAL up to max_slot_wal_keep_size; drop it with ` +
            `SELECT pg_drop_replication_slot('${slotName}') when the publisher is back (mesh:status lists it as an orphan).`);
        return report;
    }
}

function comparable(p: SubscriptionInputs | SubscriptionState): Record<string, unknown> {
    const d = withDefaults(p);
    return {
        connection: d.connection, subscriptionName: d.subscriptionName,
        publisher: { ...d.publisher, port: Number(d.publisher.port), ssl: d.publisher.ssl ?? "disable" },
        publications: [...d.publications].sort(), tables: [...d.tables].sort(),
        streaming: d.streaming, binary: d.binary, disableOnError: d.disableOnError, origin: d.origin, enabled: d.enabled,
    };
}

export const subscriptionProvider = pgObjectProvider<SubscriptionInputs, SubscriptionState>({
    id: (inputs) => inputs.subscriptionName,
    apply: applySubscription,
    read: (props, id) => readSubscription(props.connection, props.subscriptionName ?? id),
    comparable,
    replaceKeys: ["subscriptionName"],
    // Another publishing database is another slot and another data set: replace.
    alsoReplaces: (olds, news) =>
        olds.publisher && connectionLocation(olds.publisher).split("/")[1] !== connectionLocation(news.publisher).split("/")[1] ? ["publisher"] : [],
    async drop(props) {
        await dropSubscription(props);
    },
});
