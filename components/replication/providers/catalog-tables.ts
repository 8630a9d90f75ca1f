/**
 * CatalogTables: makes sure the catalog tables a node publishes or subscribes exist there
 * (dynamic resource). Creates missing tables; never alters or drops (delete leaves tables and data).
 *
 * Provider API (stable): `catalogTablesProvider.create/read/diff/update/delete` with
 * {@link CatalogTablesInputs}.
 */
import { PgConnection, inTransaction, withClient } from "../../postgres/connection";
import { pgObjectProvider } from "../../postgres/providers/pg-object-provider";
import { createTableSql } from "../schema";

/** Resolved inputs. */
export interface CatalogTablesInputs {
    /** Admin connection to the node's database. */
    connection: PgConnection;
    /** Catalog tables to create if missing. */
    tables: string[];
}

/** Creates the tables that are missing (one transaction). */
export async function ensureCatalogTables(conn: PgConnection, tables: readonly string[]): Promise<void> {
    const statements = [...tables].sort().map(createTableSql);
    await withClient(conn, (client) => inTransaction(client, async () => {
        for (const sql of statements) await client.query(sql);
    }));
}

/** The listed tables that exist in schema public. */
export async function existingTables(conn: PgConnection, tables: readonly string[]): Promise<string[]> {
    return withClient(conn, async (client) => {
        const { rows } = await client.query<{ relname: string }>(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname = ANY($1::text[]) ORDER BY 1", [tables]);
        return rows.map((r) => r.relname);
    });
}

export const catalogTablesProvider = pgObjectProvider<CatalogTablesInputs, CatalogTablesInputs>({
    id: (inputs) => `${inputs.connection.database}:${[...inputs.tables].sort().join(",")}`,
    async apply(inputs) {
        await ensureCatalogTables(inputs.connection, inputs.tables);
        return inputs;
    },
    // Report only the tables that really exist: a dropped table shows up as a diff on `tables`.
    read: async (props) => ({ tables: await existingTables(props.connection, props.tables) }),
    comparable: (p) => ({ ...p, tables: [...p.tables].sort() }),
    async drop() {
        // Tables hold data: leaving them is the only safe default.
    },
});
