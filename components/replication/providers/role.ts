/**
 * ReplicationRole: the least-privilege role that subscribers of a node log in as (dynamic
 * resource). The subscription's connection string, password included, is readable in
 * pg_subscription on the subscriber, so it must never be the admin user: this role can log in and
 * replicate (REPLICATION attribute, or membership such as `rds_replication` on RDS), CONNECT to
 * the one database, USAGE on schema public and SELECT (needed for the initial copy) on exactly the
 * published tables; it is not superuser, cannot create databases or roles, and does not inherit.
 *
 * The password is sent as a SCRAM-SHA-256 verifier computed here, so the plaintext never reaches
 * the server (nor its statement log).
 *
 * Provider API (stable): `replicationRoleProvider.create/read/diff/update/delete` with
 * {@link ReplicationRoleInputs}. Create adopts an existing role of the same name (and converges its
 * attributes, password and grants). Read reports attributes and SELECT grants (password drift is
 * not readable without superuser; every update sets the password again).
 */
import * as crypto from "crypto";
import type { Client } from "pg";
import { PgConnection, inTransaction, withClient } from "../../postgres/connection";
import { pgObjectProvider } from "../../postgres/providers/pg-object-provider";
import { assertSqlIdentifier, ident, sqlLiteral } from "../../postgres/sql";

/** Resolved inputs. */
export interface ReplicationRoleInputs {
    /** Admin connection to the publishing database. */
    connection: PgConnection;
    /** Role name (plain identifier), e.g. `mesh_repl_edge_la`. */
    roleName: string;
    /** Role password (secret). */
    password: string;
    /** Tables the role may SELECT (the published ones); SELECT on other public tables is revoked. */
    tables: string[];
    /** Set the REPLICATION attribute; default true (false on RDS, which uses `rds_replication` instead). */
    replicationAttribute?: boolean;
    /** Roles granted to this role (e.g. `rds_replication`); default none. */
    grantRoles?: string[];
}

/** What read reports. */
export interface ReplicationRoleState extends ReplicationRoleInputs {
    /** Attribute summary as read back (login, replication, not superuser...). */
    attributes?: string[];
}

/** SCRAM-SHA-256 verifier as PostgreSQL stores it (RFC 5802/7677, 4096 iterations). */
export function scramSha256Verifier(password: string, salt: Buffer = crypto.randomBytes(16), iterations = 4096): string {
    const salted = crypto.pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
    const clientKey = crypto.createHmac("sha256", salted).update("Client Key").digest();
    const storedKey = crypto.createHash("sha256").update(clientKey).digest();
    const serverKey = crypto.createHmac("sha256", salted).update("Server Key").digest();
    return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

function validate(inputs: ReplicationRoleInputs): void {
    assertSqlIdentifier("roleName", inputs.roleName);
    inputs.tables.forEach((t, i) => assertSqlIdentifier(`tables[${i}]`, t));
    (inputs.grantRoles ?? []).forEach((r, i) => assertSqlIdentifier(`grantRoles[${i}]`, r));
}

/** Whether the role exists (roles are server-wide). */
export async function roleExists(client: Client, roleName: string): Promise<boolean> {
    const { rowCount } = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [roleName]);
    return Boolean(rowCount);
}

/** `CREATE ROLE`, or `ALTER ROLE` when it exists, with `attributes` and the password (sent as its SCRAM verifier). Returns the quoted role name. */
export async function writeRole(client: Client, inputs: { roleName: string; password: string }, attributes: string): Promise<string> {
    const role = ident("roleName", inputs.roleName);
    const password = sqlLiteral("password", scramSha256Verifier(inputs.password));
    await client.query(`${await roleExists(client, inputs.roleName) ? "ALTER" : "CREATE"} ROLE ${role} WITH ${attributes} PASSWORD ${password}`);
    return role;
}

/** When the role exists: `revoke` what it holds (given the quoted role name), then `DROP ROLE`. */
export async function dropRoleIfExists(conn: PgConnection, roleName: string, revoke: (client: Client, role: string) => Promise<void>): Promise<void> {
    await withClient(conn, async (client) => {
        if (!await roleExists(client, roleName)) return;
        const role = ident("roleName", roleName);
        await revoke(client, role);
        await client.query(`DROP ROLE ${role}`);
    });
}

async function converge(client: Client, inputs: ReplicationRoleInputs): Promise<void> {
    validate(inputs);
    const replication = inputs.replicationAttribute === false ? "NOREPLICATION" : "REPLICATION";
    const role = await writeRole(client, inputs, `LOGIN ${replication} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS`);
    const { rows: db } = await client.query<{ name: string }>("SELECT current_database() AS name");
    await client.query(`GRANT CONNECT ON DATABASE ${ident("database", db[0].name)} TO ${role}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    const granted = await selectGrants(client, inputs.roleName);
    for (const table of granted.filter((t) => !inputs.tables.includes(t))) {
        await client.query(`REVOKE SELECT ON public.${ident("table", table)} FROM ${role}`);
    }
    for (const table of inputs.tables) await client.query(`GRANT SELECT ON public.${ident("table", table)} TO ${role}`);
    for (const member of inputs.grantRoles ?? []) await client.query(`GRANT ${ident("grantRoles", member)} TO ${role}`);
}

async function selectGrants(client: Client, roleName: string): Promise<string[]> {
    const { rows } = await client.query<{ relname: string }>(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a " +
        "WHERE n.nspname = 'public' AND a.privilege_type = 'SELECT' " +
        "AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1", [roleName]);
    return rows.map((r) => r.relname);
}

/** Reads the role as the database has it; undefined when it does not exist. */
export async function readReplicationRole(conn: PgConnection, roleName: string): Promise<{ attributes: string[]; tables: string[]; grantRoles: string[] } | undefined> {
    return withClient(conn, async (client) => {
        const { rows } = await client.query<{ rolcanlogin: boolean; rolreplication: boolean; rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean }>(
            "SELECT rolcanlogin, rolreplication, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1", [roleName]);
        if (rows.length === 0) return undefined;
        const r = rows[0];
        const attributes = [
            r.rolcanlogin ? "login" : "nologin", r.rolreplication ? "replication" : "noreplication",
            ...(r.rolsuper ? ["superuser"] : []), ...(r.rolcreatedb ? ["createdb"] : []), ...(r.rolcreaterole ? ["createrole"] : []),
        ];
        const { rows: members } = await client.query<{ rolname: string }>(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1",
            [roleName]);
        return { attributes, tables: await selectGrants(client, roleName), grantRoles: members.map((m) => m.rolname) };
    });
}

/** The attributes a correct role shows. */
export function expectedAttributes(inputs: Pick<ReplicationRoleInputs, "replicationAttribute">): string[] {
    return ["login", inputs.replicationAttribute === false ? "noreplication" : "replication"];
}

function comparable(p: ReplicationRoleState): Record<string, unknown> {
    return {
        connection: p.connection, roleName: p.roleName, password: p.password,
        tables: [...(p.tables ?? [])].sort(), grantRoles: [...(p.grantRoles ?? [])].sort(),
        replicationAttribute: p.replicationAttribute !== false,
        attributes: p.attributes ?? expectedAttributes(p),
    };
}

export const replicationRoleProvider = pgObjectProvider<ReplicationRoleInputs, ReplicationRoleState>({
    id: (inputs) => inputs.roleName,
    async apply(inputs) {
        await withClient(inputs.connection, (client) => inTransaction(client, () => converge(client, inputs)));
        return { ...inputs, attributes: expectedAttributes(inputs) };
    },
    read: (props, id) => readReplicationRole(props.connection, props.roleName ?? id),
    comparable,
    replaceKeys: ["roleName"],
    drop: (props) => dropRoleIfExists(props.connection, props.roleName, async (client, role) => {
        const { rows: db } = await client.query<{ name: string }>("SELECT current_database() AS name");
        // Privileges in this database go with DROP OWNED (the role owns nothing else), then the role.
        await client.query(`DROP OWNED BY ${role}`);
        await client.query(`REVOKE CONNECT ON DATABASE ${ident("database", db[0].name)} FROM ${role}`);
    }),
});
