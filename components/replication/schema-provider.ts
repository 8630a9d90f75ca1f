/**
 * CatalogTables: makes sure the catalog tables a node publishes or subscribes exist there
 * (dynamic resource). Creates missing tables; never alters or drops (delete leaves tables and data).
 *
 * Provider API (stable): `catalogTablesProvider.create/read/diff/update/delete` with
 * {@link CatalogTablesInputs}.
 */
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "../postgres/pg-resource";
import { secretInput } from "../postgres/secret-input";
import { PgConnection, PgConnectionInput, inTransaction, withClient } from "../postgres/connection";
import { diffProps } from "../postgres/dynamic";
import { createTableSql } from "./schema";

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

export const catalogTablesProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: CatalogTablesInputs) {
        await ensureCatalogTables(inputs.connection, inputs.tables);
        return { id: `${inputs.connection.database}:${[...inputs.tables].sort().join(",")}`, outs: inputs };
    },
    async read(id: string, props: CatalogTablesInputs) {
        // Report only the tables that really exist: a dropped table shows up as a diff on `tables`.
        return { id, props: { ...props, tables: await existingTables(props.connection, props.tables) } };
    },
    async diff(_id: string, olds: CatalogTablesInputs, news: CatalogTablesInputs) {
        const sorted = (p: CatalogTablesInputs) => ({ ...p, tables: [...p.tables].sort() });
        return diffProps(sorted(olds) as unknown as Record<string, unknown>, sorted(news) as unknown as Record<string, unknown>, []);
    },
    async update(_id: string, _olds: CatalogTablesInputs, news: CatalogTablesInputs) {
        await ensureCatalogTables(news.connection, news.tables);
        return { outs: news };
    },
    async delete() {
        // Tables hold data: leaving them is the only safe default.
    },
};

/** Arguments of {@link CatalogTables}. */
export interface CatalogTablesArgs {
    /** Admin connection to the node's database (password as a secret). Required. */
    connection: pulumi.Input<PgConnectionInput>;
    /** Catalog tables to create if missing. Required. */
    tables: string[];
}

/** Catalog tables on one node. The connection is a secret input and output. */
export class CatalogTables extends PgResource {
    /** The tables ensured. */
    declare public readonly tables: pulumi.Output<string[]>;

    constructor(name: string, args: CatalogTablesArgs, opts?: pulumi.CustomResourceOptions) {
        super("tables", name, catalogTablesResourceInputs(args), { ...opts, additionalSecretOutputs: ["connection"] });
    }
}

/** The provider inputs {@link CatalogTables} registers (the connection made secret); shared with the replication bundle. */
export function catalogTablesResourceInputs(args: CatalogTablesArgs): pulumi.Inputs {
    return { connection: secretInput(args.connection), tables: args.tables };
}
