/**
 * The EdgePriorityGuard resource class: its arguments and what it registers. What it does in PostgreSQL is
 * its provider's, providers/edge-priority.ts (run by the engine, never imported back).
 */
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "../postgres/pg-resource";
import { secretInput } from "../postgres/secret-input";
import { PgConnectionInput } from "../postgres/connection";

/** Arguments of {@link EdgePriorityGuard}. */
export interface EdgePriorityArgs {
    /** Admin connection to the regional database (password as a secret). Required. */
    connection: pulumi.Input<PgConnectionInput>;
    /** Operational tables to guard. Required. */
    tables: string[];
    /** Facilities whose rows belong to their edge. Required. */
    facilities: pulumi.Input<string[]>;
}

/** The edge-priority guard on one regional database. */
export class EdgePriorityGuard extends PgResource {
    /** Guarded tables. */
    declare public readonly tables: pulumi.Output<string[]>;
    /** Facilities whose rows only replication may write. */
    declare public readonly facilities: pulumi.Output<string[]>;

    constructor(name: string, args: EdgePriorityArgs, opts?: pulumi.CustomResourceOptions) {
        super("edgePriority", name, { connection: secretInput(args.connection), tables: args.tables, facilities: args.facilities },
            { ...opts, additionalSecretOutputs: ["connection"] });
    }
}
