/**
 * The ReplicationRole resource class: its arguments and what it registers. What it does in PostgreSQL is
 * its provider's, providers/role.ts (run by the engine, never imported back).
 */
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "../postgres/pg-resource";
import { secretInput } from "../postgres/secret-input";
import { PgConnectionInput } from "../postgres/connection";
import { assertSqlIdentifier } from "../postgres/sql";

/** Arguments of {@link ReplicationRole}. */
export interface ReplicationRoleArgs {
    /** Admin connection to the publishing database (password as a secret). Required. */
    connection: pulumi.Input<PgConnectionInput>;
    /** Role name (plain identifier). Required. */
    roleName: string;
    /** Role password (made secret). Required. */
    password: pulumi.Input<string>;
    /** Tables the role may SELECT. Required. */
    tables: pulumi.Input<string[]>;
    /** Set the REPLICATION attribute; default true. */
    replicationAttribute?: boolean;
    /** Roles granted to the role (e.g. `rds_replication`); default none. */
    grantRoles?: string[];
}

/** A least-privilege replication role on one publishing database. */
export class ReplicationRole extends PgResource {
    /** The role name. */
    declare public readonly roleName: pulumi.Output<string>;

    constructor(name: string, args: ReplicationRoleArgs, opts?: pulumi.CustomResourceOptions) {
        super("role", name, replicationRoleResourceInputs(args), { ...opts, additionalSecretOutputs: ["connection", "password"] });
    }
}

/** The provider inputs a {@link ReplicationRole} registers (validated; connection and password made secret); shared with the replication bundle. */
export function replicationRoleResourceInputs(args: ReplicationRoleArgs): pulumi.Inputs {
    assertSqlIdentifier("roleName", args.roleName);
    return {
        connection: secretInput(args.connection),
        roleName: args.roleName,
        password: secretInput(args.password),
        tables: args.tables,
        replicationAttribute: args.replicationAttribute ?? true,
        grantRoles: args.grantRoles ?? [],
        attributes: undefined,
    };
}
