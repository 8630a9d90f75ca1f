/**
 * The CatalogTables resource class: its arguments and what it registers. What it does in PostgreSQL is
 * its provider's, providers/catalog-tables.ts (run by the engine, never imported back).
 */
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "../postgres/pg-resource";
import { secretInput } from "../postgres/secret-input";
import { PgConnectionInput } from "../postgres/connection";

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
