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
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "../postgres/pg-resource";
import { secretInput } from "../postgres/secret-input";
import type { Client } from "pg";
import { PgConnection, PgConnectionInput, inTransaction, withClient } from "../postgres/connection";
import { diffProps } from "../postgres/dynamic";
import { assertSqlIdentifier, ident, sqlLiteral } from "../postgres/sql";

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

async function converge(client: Client, inputs: ReplicationRoleInputs): Promise<void> {
    validate(inputs);
    const role = ident("roleName", inputs.roleName);
    const replication = inputs.replicationAttribute === false ? "NOREPLICATION" : "REPLICATION";
    const attributes = `LOGIN ${replication} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS`;
    const password = sqlLiteral("password", scramSha256Verifier(inputs.password));
    const { rowCount } = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [inputs.roleName]);
    await client.query(`${rowCount ? "ALTER" : "CREATE"} ROLE ${role} WITH ${attributes} PASSWORD ${password}`);
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

export const replicationRoleProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: ReplicationRoleInputs) {
        await withClient(inputs.connection, (client) => inTransaction(client, () => converge(client, inputs)));
        return { id: inputs.roleName, outs: { ...inputs, attributes: expectedAttributes(inputs) } };
    },
    async read(id: string, props: ReplicationRoleState) {
        const actual = await readReplicationRole(props.connection, props.roleName ?? id);
        if (!actual) return { id: "", props: {} };
        return { id, props: { ...props, ...actual } };
    },
    async diff(_id: string, olds: ReplicationRoleState, news: ReplicationRoleInputs) {
        return diffProps(comparable(olds), comparable(news), ["roleName"]);
    },
    async update(_id: string, _olds: ReplicationRoleState, news: ReplicationRoleInputs) {
        await withClient(news.connection, (client) => inTransaction(client, () => converge(client, news)));
        return { outs: { ...news, attributes: expectedAttributes(news) } };
    },
    async delete(_id: string, props: ReplicationRoleState) {
        await withClient(props.connection, async (client) => {
            const { rowCount } = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [props.roleName]);
            if (!rowCount) return;
            const role = ident("roleName", props.roleName);
            const { rows: db } = await client.query<{ name: string }>("SELECT current_database() AS name");
            // Privileges in this database go with DROP OWNED (the role owns nothing else), then the role.
            await client.query(`DROP OWNED BY ${role}`);
            await client.query(`REVOKE CONNECT ON DATABASE ${ident("database", db[0].name)} FROM ${role}`);
            await client.query(`DROP ROLE ${role}`);
        });
    },
};

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
