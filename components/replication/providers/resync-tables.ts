/**
 * Re-synchronises tables of a subscription from scratch: the repair for a table whose table sync
 * cannot finish (table-sync.ts explains how PostgreSQL 16 gets there), with supported commands only.
 *
 * PostgreSQL 16 has no per-table "copy again" command; a table is copied when it joins a
 * subscription. So, per table, in this order:
 *   1. publisher: `ALTER PUBLICATION p DROP TABLE t`;
 *   2. subscriber: `ALTER SUBSCRIPTION s REFRESH PUBLICATION` — the table leaves the subscription
 *      (its sync state and origin are dropped);
 *   3. subscriber: delete the rows the publication delivers (its row filter, evaluated locally;
 *      `session_replication_role = replica` so the edge-priority guard lets the repair through);
 *   4. publisher: `ALTER PUBLICATION p ADD TABLE t WHERE (same filter)`;
 *   5. subscriber: `REFRESH PUBLICATION WITH (copy_data = true)` — a new table sync copies the
 *      table as of a snapshot taken now and streams from there; then wait until it is READY.
 * Changes made on the publisher between 1 and 4 are not published, but the copy in 5 already holds
 * them. Between 3 and the end of 5 the subscriber lacks those rows: it is a repair, not a switch
 * point. `publisherAdmin` must own the publication. The filter is read from the publication and
 * rendered again by the audited row-filter code; a filter the mesh did not write is refused.
 */
import { PgConnection, inTransaction, withClient } from "../../postgres/connection";
import { assertSqlIdentifier, ident } from "../../postgres/sql";
import { readPublication } from "./publication";
import { RowFilter, renderRowFilter } from "../row-filter";
import { TableSyncReport, waitForTableSync } from "./table-sync";

export interface ResyncTablesOptions {
    /** Admin connection to the subscribing database. Required. */
    subscriber: PgConnection;
    /** The subscription. Required. */
    subscriptionName: string;
    /** Admin (owner of the publication) on the publishing database. Required. */
    publisherAdmin: PgConnection;
    /** Tables to copy again (schema public). Required. */
    tables: string[];
    /** Give up waiting for the new copy after this long; default 600 000 ms. */
    timeoutMs?: number;
}

async function subscribedPublications(subscriber: PgConnection, subscriptionName: string): Promise<string[]> {
    const { rows } = await withClient(subscriber, (client) => client.query<{ subpublications: string[] }>(
        "SELECT subpublications FROM pg_subscription WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [subscriptionName]));
    if (rows.length === 0) throw new Error(`resync: subscription "${subscriptionName}" not found`);
    return rows[0].subpublications;
}

/** The publication of the subscription that carries `table`, with its filter in structured form. */
async function publicationOf(options: ResyncTablesOptions, publications: string[], table: string): Promise<{ name: string; filter: RowFilter | null }> {
    for (const name of publications) {
        const actual = await readPublication(options.publisherAdmin, name);
        if (!actual?.tables.includes(table)) continue;
        const filter = actual.filters[table];
        if (typeof filter === "string") {
            throw new Error(`resync: publication "${name}" filters "${table}" with a filter the mesh does not write (${filter}); re-sync it by hand`);
        }
        return { name, filter: filter === null ? null : { column: filter.column, in: filter.values } };
    }
    throw new Error(`resync: no publication of subscription "${options.subscriptionName}" (${publications.join(", ")}) carries "${table}"`);
}

/** Copies `tables` again from the publisher (see the module comment); resolves once they are READY. */
export async function resyncTables(options: ResyncTablesOptions): Promise<TableSyncReport> {
    assertSqlIdentifier("subscriptionName", options.subscriptionName);
    options.tables.forEach((t, i) => assertSqlIdentifier(`tables[${i}]`, t));
    const subscription = ident("subscriptionName", options.subscriptionName);
    const publications = await subscribedPublications(options.subscriber, options.subscriptionName);
    const refresh = (copyData: boolean) => withClient(options.subscriber, (client) =>
        client.query(`ALTER SUBSCRIPTION ${subscription} REFRESH PUBLICATION WITH (copy_data = ${copyData})`), { statementTimeoutMs: 120_000 });

    const plan: { target: string; name: string; where: string }[] = [];
    for (const table of options.tables) {
        const { name, filter } = await publicationOf(options, publications, table);
        plan.push({ target: `public.${ident("table", table)}`, name, where: filter ? ` WHERE ${renderRowFilter("rowFilter", filter)}` : "" });
    }
    for (const step of plan) {
        await withClient(options.publisherAdmin, (client) => client.query(`ALTER PUBLICATION ${ident("publication", step.name)} DROP TABLE ${step.target}`));
    }
    await refresh(false);
    await withClient(options.subscriber, (client) => inTransaction(client, async () => {
        await client.query("SET LOCAL session_replication_role = replica");
        for (const step of plan) {
            await client.query(`DELETE FROM ${step.target}${step.where}`);
        }
    }));
    for (const step of plan) {
        await withClient(options.publisherAdmin, (client) => client.query(`ALTER PUBLICATION ${ident("publication", step.name)} ADD TABLE ${step.target}${step.where}`));
    }
    await refresh(true);
    return waitForTableSync({ subscriber: options.subscriber, subscriptionName: options.subscriptionName, publisher: options.publisherAdmin, timeoutMs: options.timeoutMs });
}
