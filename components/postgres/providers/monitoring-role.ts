/**
 * MonitoringRole: the login postgres_exporter uses on a server (dynamic resource). Least privilege:
 * LOGIN, member of the built-in `pg_monitor` role and nothing else (it exists on RDS and Azure
 * Flexible Server too), CONNECT on the databases it scrapes (the mesh revokes CONNECT from PUBLIC
 * on its databases, see replication/connect-restriction.ts); no superuser, no CREATEDB/CREATEROLE,
 * no REPLICATION, no SELECT on any table. It INHERITs, or pg_monitor's rights would not apply.
 *
 * The password is sent as a SCRAM-SHA-256 verifier computed here (never the plaintext), and it is
 * a secret input: never captured by the provider closure.
 *
 * Provider API (stable): `monitoringRoleProvider.create/read/diff/update/delete` with
 * {@link MonitoringRoleInputs}. Create adopts an existing role of the same name and converges it
 * (attributes, password, pg_monitor, CONNECT grants, and drops any other role membership). Read
 * reports attributes, memberships and the databases it may CONNECT to (password drift is not
 * readable; every update sets it again). Delete revokes CONNECT and drops the role.
 */
import type { Client } from "pg";
import { PgConnection, inTransaction, withClient } from "../connection";
import { pgObjectProvider } from "./pg-object-provider";
import { assertSqlIdentifier, ident } from "../sql";
import { dropRoleIfExists, writeRole } from "../../replication/providers/role";
import { ValidationError } from "../../shared/errors";

/** The one role a monitoring login is a member of. */
export const MONITORING_GRANTED_ROLE = "pg_monitor";

/** Attributes a correct monitoring role shows (as {@link readMonitoringRole} reports them). */
export const MONITORING_ROLE_ATTRIBUTES = ["inherit", "login"] as const;

/** Resolved inputs. */
export interface MonitoringRoleInputs {
    /** Admin connection to any database of the server (roles are server-wide). */
    connection: PgConnection;
    /** Role name (plain identifier), e.g. `agogsaas_monitor`. */
    roleName: string;
    /** Role password (secret). */
    password: string;
    /** Databases the role may CONNECT to (the ones the exporter scrapes). */
    databases: string[];
}

/** What read reports. */
export interface MonitoringRoleState extends MonitoringRoleInputs {
    /** Attribute summary as read back. */
    attributes?: string[];
    /** Roles it is a member of. */
    memberOf?: string[];
}

/** Throws a ValidationError unless `roleName` is a plain identifier outside PostgreSQL's `pg_` namespace. */
export function assertMonitoringRoleName(roleName: unknown): string {
    const name = assertSqlIdentifier("roleName", roleName);
    if (name.startsWith("pg_")) throw new ValidationError("roleName", `"${name}" uses the pg_ prefix PostgreSQL reserves`);
    return name;
}

function validate(inputs: MonitoringRoleInputs): void {
    assertMonitoringRoleName(inputs.roleName);
    if (!Array.isArray(inputs.databases)) throw new ValidationError("databases", "must be a list of database names");
    inputs.databases.forEach((d, i) => assertSqlIdentifier(`databases[${i}]`, d));
}

/** Databases on which `roleName` holds CONNECT explicitly. */
async function connectGrants(client: Client, roleName: string): Promise<string[]> {
    const { rows } = await client.query<{ datname: string }>(
        "SELECT d.datname FROM pg_database d, aclexplode(d.datacl) a " +
        "WHERE a.privilege_type = 'CONNECT' AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1", [roleName]);
    return rows.map((r) => r.datname);
}

async function memberships(client: Client, roleName: string): Promise<string[]> {
    const { rows } = await client.query<{ rolname: string }>(
        "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid " +
        "WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1", [roleName]);
    return rows.map((r) => r.rolname);
}

async function converge(client: Client, inputs: MonitoringRoleInputs): Promise<void> {
    validate(inputs);
    const role = await writeRole(client, inputs, "LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 10");
    for (const other of (await memberships(client, inputs.roleName)).filter((r) => r !== MONITORING_GRANTED_ROLE)) {
        await client.query(`REVOKE ${ident("memberOf", other)} FROM ${role}`);
    }
    await client.query(`GRANT ${MONITORING_GRANTED_ROLE} TO ${role}`);
    for (const database of (await connectGrants(client, inputs.roleName)).filter((d) => !inputs.databases.includes(d))) {
        await client.query(`REVOKE CONNECT ON DATABASE ${ident("database", database)} FROM ${role}`);
    }
    for (const database of inputs.databases) await client.query(`GRANT CONNECT ON DATABASE ${ident("database", database)} TO ${role}`);
}

/** Reads the role as the server has it; undefined when it does not exist. */
export async function readMonitoringRole(conn: PgConnection, roleName: string): Promise<{ attributes: string[]; memberOf: string[]; databases: string[] } | undefined> {
    return withClient(conn, async (client) => {
        const { rows } = await client.query<{ rolcanlogin: boolean; rolinherit: boolean; rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; rolreplication: boolean; rolbypassrls: boolean }>(
            "SELECT rolcanlogin, rolinherit, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = $1", [roleName]);
        if (rows.length === 0) return undefined;
        const r = rows[0];
        const attributes = [
            ...(r.rolbypassrls ? ["bypassrls"] : []), ...(r.rolcreatedb ? ["createdb"] : []), ...(r.rolcreaterole ? ["createrole"] : []),
            r.rolinherit ? "inherit" : "noinherit", r.rolcanlogin ? "login" : "nologin",
            ...(r.rolreplication ? ["replication"] : []), ...(r.rolsuper ? ["superuser"] : []),
        ];
        return { attributes, memberOf: await memberships(client, roleName), databases: await connectGrants(client, roleName) };
    });
}

function comparable(p: MonitoringRoleState): Record<string, unknown> {
    return {
        connection: p.connection, roleName: p.roleName, password: p.password,
        databases: [...(p.databases ?? [])].sort(),
        attributes: p.attributes ?? [...MONITORING_ROLE_ATTRIBUTES],
        memberOf: p.memberOf ?? [MONITORING_GRANTED_ROLE],
    };
}

function expectedState(inputs: MonitoringRoleInputs): MonitoringRoleState {
    return { ...inputs, attributes: [...MONITORING_ROLE_ATTRIBUTES], memberOf: [MONITORING_GRANTED_ROLE] };
}

export const monitoringRoleProvider = pgObjectProvider<MonitoringRoleInputs, MonitoringRoleState>({
    id: (inputs) => inputs.roleName,
    async apply(inputs) {
        await withClient(inputs.connection, (client) => inTransaction(client, () => converge(client, inputs)));
        return expectedState(inputs);
    },
    read: (props, id) => readMonitoringRole(props.connection, props.roleName ?? id),
    comparable,
    replaceKeys: ["roleName"],
    drop: (props) => dropRoleIfExists(props.connection, props.roleName, async (client, role) => {
        // Database privileges live in the shared catalog: revoked from here, whichever database that is.
        for (const database of await connectGrants(client, props.roleName)) {
            await client.query(`REVOKE CONNECT ON DATABASE ${ident("database", database)} FROM ${role}`);
        }
    }),
});
