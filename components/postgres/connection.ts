/**
 * How this code base talks to PostgreSQL.
 *
 * - {@link PgConnection}: a resolved admin connection (what a dynamic provider receives);
 *   {@link PgConnectionInput}: the same with Pulumi inputs (what component args take). The password
 *   is always passed as a (secret) input, never captured in a provider closure.
 * - {@link withClient}: open one client with connect and statement timeouts, run `fn`, always close.
 * - {@link assertSqlIdentifier}: re-exported from ./sql (plain lower-case identifiers only).
 *
 * Free of runtime Pulumi imports: dynamic providers serialise the code they call.
 */
import { Client } from "pg";
import type * as pulumi from "@pulumi/pulumi";

export { assertSqlIdentifier, ident, isSqlIdentifier, sqlLiteral } from "./sql";

/**
 * TLS towards the server, with libpq's names: `disable` (loopback, tests), `require` (encrypted, no
 * certificate check: RDS / Azure with their private CAs not in the system store), `verify-full`
 * (encrypted, certificate and host name checked against the system CAs).
 */
export type PgSslMode = "disable" | "require" | "verify-full";

/** A resolved PostgreSQL connection. */
export interface PgConnection {
    /** Host name or address. Required. */
    host: string;
    /** TCP port. Required. */
    port: number;
    /** Database name. Required. */
    database: string;
    /** Role to log in as. Required. */
    user: string;
    /** Password of `user`; always a secret in Pulumi state. Required. */
    password: string;
    /** TLS mode; default `disable`. */
    ssl?: PgSslMode;
}

/** {@link PgConnection} as component/resource arguments (each field may be a Pulumi input). */
export type PgConnectionInput = { [K in keyof PgConnection]: pulumi.Input<PgConnection[K]> };

export interface ClientOptions {
    /** Give up connecting after this many ms; default 10 000. */
    connectTimeoutMs?: number;
    /** Server-side `statement_timeout` in ms; default 60 000 (0 disables). */
    statementTimeoutMs?: number;
    /** Server-side `lock_timeout` in ms; default 15 000. */
    lockTimeoutMs?: number;
    /** `application_name` shown in pg_stat_activity; default `agogsaas`. */
    applicationName?: string;
    /** Connect to this database instead of `conn.database` (e.g. `postgres` for CREATE DATABASE). Default `conn.database`. */
    database?: string;
}

function sslConfig(mode: PgSslMode | undefined): false | { rejectUnauthorized: boolean } {
    if (mode === undefined || mode === "disable") return false;
    return { rejectUnauthorized: mode === "verify-full" };
}

/** A pg Client for `conn`, not yet connected. Errors after connect (server killed) are swallowed
 * here and surface on the next query instead of crashing the process as an unhandled 'error'. */
export function newClient(conn: PgConnection, options: ClientOptions = {}): Client {
    const client = new Client({
        host: conn.host,
        port: Number(conn.port),
        database: options.database ?? conn.database,
        user: conn.user,
        password: conn.password,
        ssl: sslConfig(conn.ssl),
        connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
        statement_timeout: options.statementTimeoutMs ?? 60_000,
        lock_timeout: options.lockTimeoutMs ?? 15_000,
        application_name: options.applicationName ?? "agogsaas",
    });
    client.on("error", () => undefined);
    return client;
}

/** Connects to `conn`, runs `fn` with the client (autocommit: no implicit transaction), always disconnects. */
export async function withClient<T>(conn: PgConnection, fn: (client: Client) => Promise<T>, options: ClientOptions = {}): Promise<T> {
    const client = newClient(conn, options);
    await client.connect();
    try {
        return await fn(client);
    } finally {
        await client.end().catch(() => undefined);
    }
}

/** Runs `fn` inside BEGIN/COMMIT (ROLLBACK on error) on an open client. */
export async function inTransaction<T>(client: Client, fn: () => Promise<T>): Promise<T> {
    await client.query("BEGIN");
    try {
        const result = await fn();
        await client.query("COMMIT");
        return result;
    } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
    }
}

/**
 * {@link sqlLiteral} doubles quotes only, which is complete only while the server treats
 * backslashes in '...' literally. Refuse to render literals against a server that does not.
 */
export async function assertStandardStrings(client: Client): Promise<void> {
    const { rows } = await client.query<{ value: string }>("SELECT current_setting('standard_conforming_strings') AS value");
    if (rows[0]?.value !== "on") {
        throw new Error("standard_conforming_strings is off on the server: refusing to render SQL literals");
    }
}

/** A connection with the password replaced, for logs and error messages. */
export function describeConnection(conn: Pick<PgConnection, "host" | "port" | "database" | "user">): string {
    return `${conn.user}@${conn.host}:${conn.port}/${conn.database}`;
}
