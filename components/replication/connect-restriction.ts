/**
 * The ConnectRestriction resource class: its arguments and what it registers. What it does in PostgreSQL is
 * its provider's, providers/connect-restriction.ts (run by the engine, never imported back).
 */
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "../postgres/pg-resource";
import { secretInput } from "../postgres/secret-input";
import { PgConnectionInput } from "../postgres/connection";

/** Arguments of {@link ConnectRestriction}. */
export interface ConnectRestrictionArgs {
    /** Admin connection to the database to restrict (password as a secret). Required. */
    connection: pulumi.Input<PgConnectionInput>;
}

/** CONNECT on one database for its owner, the admin and explicit grantees only. */
export class ConnectRestriction extends PgResource {
    /** Whether PUBLIC may connect (false once applied). */
    declare public readonly publicConnect: pulumi.Output<boolean>;

    constructor(name: string, args: ConnectRestrictionArgs, opts?: pulumi.CustomResourceOptions) {
        super("connectRestriction", name, { connection: secretInput(args.connection), publicConnect: undefined }, { ...opts, additionalSecretOutputs: ["connection"] });
    }
}
