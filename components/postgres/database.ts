/**
 * The PostgresDatabase resource class: its arguments and what it registers. What it does in PostgreSQL is
 * its provider's, providers/database.ts (run by the engine, never imported back).
 */
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "./pg-resource";
import { secretInput } from "./secret-input";
import { PgConnectionInput } from "./connection";
import { assertSqlIdentifier } from "./sql";

/** Component-facing arguments. */
export interface PostgresDatabaseArgs {
    /** Admin connection to the server (password as a secret); its `database` is the maintenance database, usually `postgres`. Required. */
    connection: pulumi.Input<PgConnectionInput>;
    /** Name of the database to create: a plain lower-case identifier (validated before anything is registered). Required. */
    databaseName: string;
    /** Owner role (must exist); default: the connecting user. */
    owner?: pulumi.Input<string>;
    /** Drop the database and its data when this resource is deleted; default false (left in place). */
    dropOnDelete?: boolean;
}

/** A logical database. The connection is registered as a secret input and a secret output. */
export class PostgresDatabase extends PgResource {
    /** The database name. */
    declare public readonly databaseName: pulumi.Output<string>;
    /** The owner role set on the database. */
    declare public readonly owner: pulumi.Output<string>;

    constructor(name: string, args: PostgresDatabaseArgs, opts?: pulumi.CustomResourceOptions) {
        assertSqlIdentifier("databaseName", args.databaseName);
        if (typeof args.owner === "string") assertSqlIdentifier("owner", args.owner);
        super("database", name, {
            connection: secretInput(args.connection),
            databaseName: args.databaseName,
            owner: args.owner,
            dropOnDelete: args.dropOnDelete ?? false,
        }, { ...opts, additionalSecretOutputs: ["connection"] });
    }
}
