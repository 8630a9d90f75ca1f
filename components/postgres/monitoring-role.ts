/**
 * The MonitoringRole resource class: its arguments and what it registers. What it does in PostgreSQL is
 * its provider's, providers/monitoring-role.ts (run by the engine, never imported back).
 */
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "./pg-resource";
import { secretInput } from "./secret-input";
import { PgConnectionInput } from "./connection";
import { assertMonitoringRoleName } from "./providers/monitoring-role";

/** Arguments of {@link MonitoringRole}. */
export interface MonitoringRoleArgs {
    /** Admin connection to any database of the server (password as a secret). Required. */
    connection: pulumi.Input<PgConnectionInput>;
    /** Role name: a plain lower-case identifier, not starting with `pg_`. Required. */
    roleName: string;
    /** Role password (made secret). Required. */
    password: pulumi.Input<string>;
    /** Databases the role may CONNECT to; Required (the exporter's targets). */
    databases: pulumi.Input<pulumi.Input<string>[]>;
}

/** A login for postgres_exporter: member of `pg_monitor` only, CONNECT on the scraped databases. */
export class MonitoringRole extends PgResource {
    /** The role name. */
    declare public readonly roleName: pulumi.Output<string>;

    constructor(name: string, args: MonitoringRoleArgs, opts?: pulumi.CustomResourceOptions) {
        assertMonitoringRoleName(args.roleName);
        super("monitoringRole", name, {
            connection: secretInput(args.connection),
            roleName: args.roleName,
            password: secretInput(args.password),
            databases: args.databases,
            attributes: undefined,
            memberOf: undefined,
        }, { ...opts, additionalSecretOutputs: ["connection", "password"] });
    }
}
