/**
 * Publication (dynamic resource): `CREATE PUBLICATION <name> FOR TABLE t1 WHERE (...), t2 WHERE
 * (...) WITH (publish = '...')` on the publishing node.
 *
 * Provider API (stable): `publicationProvider.create/read/diff/update/delete` with
 * {@link PublicationInputs}.
 * - create: adopts an existing publication of the same name and converges it (tables, filters,
 *   publish) to the inputs;
 * - read: what pg_publication / pg_publication_rel really hold; the row filter is read with
 *   `pg_get_expr(prqual, prrelid)` and parsed back to structured form (row-filter.ts), so an
 *   unchanged filter never shows as drift while a filter edited by hand does; a dropped
 *   publication reads as gone (empty id);
 * - diff: name or server change => replace; tables, filter, publish => update in place;
 * - update: `ALTER PUBLICATION ... SET TABLE ...` (one statement: tables and filters together) and
 *   `ALTER PUBLICATION ... SET (publish = ...)`. Subscribers pick up added tables through their
 *   subscription's `REFRESH PUBLICATION` (the subscription resource depends on this one);
 * - delete: `DROP PUBLICATION IF EXISTS`.
 * The row filter is rendered by the audited literal function; identifiers are validated.
 */
import type { Client } from "pg";
import { PgConnection, assertStandardStrings, inTransaction, withClient } from "../../postgres/connection";
import { canonicalJson } from "../../postgres/providers/dynamic";
import { pgObjectProvider } from "../../postgres/providers/pg-object-provider";
import { assertSqlIdentifier, ident, sqlLiteral } from "../../postgres/sql";
import { NormalisedRowFilter, RowFilter, assertRowFilter, normaliseRowFilter, parseRowFilterSql, renderRowFilter } from "../row-filter";
import { PUBLISH_ACTIONS, PublishAction } from "../args";

/** Resolved inputs. */
export interface PublicationInputs {
    /** Admin connection to the publishing database. */
    connection: PgConnection;
    /** Publication name (plain identifier). */
    publicationName: string;
    /** Tables in schema public. */
    tables: string[];
    /** Filter applied to every table; default none (all rows). */
    rowFilter?: RowFilter | null;
    /** Actions published; default all of insert, update, delete, truncate. */
    publish?: PublishAction[];
}

/** A filter as read back from the database that is not one the mesh writes (edited by hand). */
export interface ForeignRowFilter {
    /** Per table: the filter text PostgreSQL holds. */
    unrecognised: Record<string, string | null>;
}

/** State: inputs, with `tables`, `rowFilter` and `publish` replaced by what `read` found. */
export interface PublicationState extends Omit<PublicationInputs, "rowFilter"> {
    rowFilter?: RowFilter | ForeignRowFilter | null;
}

/** What a publication holds in the database. */
export interface PublicationActual {
    tables: string[];
    /** Per table: canonical filter, null (no filter) or the raw text if not parseable. */
    filters: Record<string, NormalisedRowFilter | null | string>;
    publish: PublishAction[];
}

/** Checks name, tables, row filter and actions before any SQL; the resource class runs it at registration too. */
export function validatePublication(inputs: PublicationInputs): void {
    assertSqlIdentifier("publicationName", inputs.publicationName);
    if (!Array.isArray(inputs.tables) || inputs.tables.length === 0) throw new Error("publication: at least one table is required");
    inputs.tables.forEach((t, i) => assertSqlIdentifier(`tables[${i}]`, t));
    if (inputs.rowFilter) assertRowFilter("rowFilter", inputs.rowFilter);
    (inputs.publish ?? []).forEach((a, i) => {
        if (!PUBLISH_ACTIONS.includes(a)) throw new Error(`publish[${i}]: unknown action ${JSON.stringify(a)}`);
    });
}

export function publishList(inputs: Pick<PublicationInputs, "publish">): PublishAction[] {
    const wanted = inputs.publish ?? PUBLISH_ACTIONS;
    return PUBLISH_ACTIONS.filter((a) => wanted.includes(a));
}

/** `"public"."t1" WHERE (...), "public"."t2" WHERE (...)` */
function tableList(inputs: PublicationInputs): string {
    const where = inputs.rowFilter ? ` WHERE ${renderRowFilter("rowFilter", inputs.rowFilter)}` : "";
    return inputs.tables.map((t, i) => `public.${ident(`tables[${i}]`, t)}${where}`).join(", ");
}

function withPublish(inputs: PublicationInputs): string {
    return `(publish = ${sqlLiteral("publish", publishList(inputs).join(", "))})`;
}

/** Reads a publication; undefined when it does not exist. */
export async function readPublication(conn: PgConnection, name: string): Promise<PublicationActual | undefined> {
    return withClient(conn, async (client) => {
        const { rows } = await client.query<{ pubinsert: boolean; pubupdate: boolean; pubdelete: boolean; pubtruncate: boolean }>(
            "SELECT pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_publication WHERE pubname = $1", [name]);
        if (rows.length === 0) return undefined;
        const p = rows[0];
        const publish = PUBLISH_ACTIONS.filter((a) => ({ insert: p.pubinsert, update: p.pubupdate, delete: p.pubdelete, truncate: p.pubtruncate })[a]);
        const { rows: rels } = await client.query<{ relname: string; filter: string | null }>(
            "SELECT c.relname, pg_get_expr(r.prqual, r.prrelid) AS filter FROM pg_publication_rel r " +
            "JOIN pg_publication p ON p.oid = r.prpubid JOIN pg_class c ON c.oid = r.prrelid " +
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE p.pubname = $1 AND n.nspname = 'public' ORDER BY c.relname", [name]);
        const filters: PublicationActual["filters"] = {};
        for (const rel of rels) {
            const parsed = parseRowFilterSql(rel.filter);
            filters[rel.relname] = parsed === "unrecognised" ? rel.filter ?? "" : parsed;
        }
        return { tables: rels.map((r) => r.relname), filters, publish };
    });
}

/** Maps what the database has onto the input shape, keeping the declared filter object when equal. */
export function stateFromActual(props: PublicationInputs | PublicationState, actual: PublicationActual): PublicationState {
    const wanted = normaliseRowFilter(isForeign(props.rowFilter) ? null : props.rowFilter);
    const perTable = actual.tables.map((t) => actual.filters[t]);
    let rowFilter: PublicationState["rowFilter"];
    if (perTable.every((f) => canonicalJson(f) === canonicalJson(wanted))) {
        rowFilter = wanted === null ? null : props.rowFilter;
    } else if (perTable.length > 0 && perTable.every((f) => f !== null && typeof f === "object" && canonicalJson(f) === canonicalJson(perTable[0]))) {
        const common = perTable[0] as NormalisedRowFilter;
        rowFilter = { column: common.column, in: common.values };
    } else {
        rowFilter = {
            unrecognised: Object.fromEntries(actual.tables.map((t) => {
                const f = actual.filters[t];
                return [t, f === null ? null : typeof f === "string" ? f : `${f.column} in (${f.values.join(", ")})`];
            })),
        };
    }
    return { ...props, tables: actual.tables, rowFilter, publish: actual.publish };
}

function isForeign(filter: PublicationState["rowFilter"]): filter is ForeignRowFilter {
    return filter !== null && filter !== undefined && "unrecognised" in filter;
}

/** Comparable form: sorted tables, canonical filter, full publish list. */
function comparable(p: PublicationInputs | PublicationState): Record<string, unknown> {
    const filter = isForeign(p.rowFilter) ? p.rowFilter : normaliseRowFilter(p.rowFilter);
    return {
        connection: p.connection, publicationName: p.publicationName,
        tables: [...p.tables].sort(), rowFilter: filter, publish: publishList(p),
    };
}

async function convergePublication(client: Client, inputs: PublicationInputs): Promise<void> {
    validatePublication(inputs);
    await assertStandardStrings(client);
    const name = ident("publicationName", inputs.publicationName);
    const { rowCount } = await client.query("SELECT 1 FROM pg_publication WHERE pubname = $1", [inputs.publicationName]);
    if (!rowCount) {
        await client.query(`CREATE PUBLICATION ${name} FOR TABLE ${tableList(inputs)} WITH ${withPublish(inputs)}`);
        return;
    }
    await client.query(`ALTER PUBLICATION ${name} SET TABLE ${tableList(inputs)}`);
    await client.query(`ALTER PUBLICATION ${name} SET ${withPublish(inputs)}`);
}

/** Creates or converges a publication (exported for tools and tests). */
export async function applyPublication(inputs: PublicationInputs): Promise<PublicationState> {
    await withClient(inputs.connection, (client) => inTransaction(client, () => convergePublication(client, inputs)));
    return { ...inputs, rowFilter: inputs.rowFilter ?? null, publish: publishList(inputs) };
}

export const publicationProvider = pgObjectProvider<PublicationInputs, PublicationState, PublicationActual>({
    id: (inputs) => inputs.publicationName,
    apply: applyPublication,
    read: (props, id) => readPublication(props.connection, props.publicationName ?? id),
    state: stateFromActual,
    comparable,
    replaceKeys: ["publicationName"],
    async drop(props) {
        await withClient(props.connection, async (client) => {
            await client.query(`DROP PUBLICATION IF EXISTS ${ident("publicationName", props.publicationName)}`);
        });
    },
});
