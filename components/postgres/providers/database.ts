/**
 * PostgresDatabase: a logical database on an existing PostgreSQL server (e.g. the blue and green
 * databases on one RDS instance), as a pg-based Pulumi dynamic resource.
 *
 * Provider API (stable; exported so tests and tools can drive it directly):
 *   `postgresDatabaseProvider.create/read/diff/update/delete` with {@link PostgresDatabaseInputs}.
 *
 * - create: `CREATE DATABASE` (cannot take bind parameters, so the name is a validated identifier);
 *   adopts an existing database of the same name (and fixes its owner).
 * - read: reports what the server has (gone => empty id, so a refresh drops it from state).
 * - diff: name or server change => replace; owner change => update (`ALTER DATABASE ... OWNER TO`).
 * - delete: `DROP DATABASE ... WITH (FORCE)` only when `dropOnDelete` is true; otherwise the
 *   database (and its data) is left in place and only forgotten.
 * The admin connection (password included) is a secret input and a secret output, never captured.
 */
import { PgConnection, withClient } from "../connection";
import { assertSqlIdentifier, ident } from "../sql";
import { pgObjectProvider } from "./pg-object-provider";

/** Resolved inputs (what the provider receives). */
export interface PostgresDatabaseInputs {
    /** Admin connection to the server; its `database` is the maintenance database (usually `postgres`). */
    connection: PgConnection;
    /** Name of the database to create: a plain lower-case identifier. */
    databaseName: string;
    /** Owner role (must exist); default: the connecting user. */
    owner?: string;
    /** Drop the database (and its data) when the resource is deleted; default false. */
    dropOnDelete?: boolean;
}

/** Outputs (state): the inputs plus the owner actually set. */
export interface PostgresDatabaseOutputs extends PostgresDatabaseInputs {
    owner: string;
}

function validate(inputs: PostgresDatabaseInputs): void {
    assertSqlIdentifier("databaseName", inputs.databaseName);
    if (inputs.owner !== undefined && inputs.owner !== null) assertSqlIdentifier("owner", inputs.owner);
}

async function currentOwner(conn: PgConnection, name: string): Promise<string | undefined> {
    return withClient(conn, async (client) => {
        const { rows } = await client.query<{ owner: string }>(
            "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1", [name]);
        return rows[0]?.owner;
    });
}

async function ensureDatabase(inputs: PostgresDatabaseInputs): Promise<PostgresDatabaseOutputs> {
    validate(inputs);
    const conn = inputs.connection;
    const owner = inputs.owner ?? conn.user;
    const existing = await currentOwner(conn, inputs.databaseName);
    await withClient(conn, async (client) => {
        if (existing === undefined) {
            // Outside any transaction block: CREATE DATABASE refuses to run inside one.
            await client.query(`CREATE DATABASE ${ident("databaseName", inputs.databaseName)} OWNER ${ident("owner", owner)}`);
        } else if (existing !== owner) {
            await client.query(`ALTER DATABASE ${ident("databaseName", inputs.databaseName)} OWNER TO ${ident("owner", owner)}`);
        }
    });
    return { ...inputs, owner };
}

export const postgresDatabaseProvider = pgObjectProvider<PostgresDatabaseInputs, PostgresDatabaseOutputs, string>({
    id: (inputs) => inputs.databaseName,
    apply: ensureDatabase,
    read: (props, id) => currentOwner(props.connection, props.databaseName ?? id),
    state: (props, owner) => ({ ...props, owner }),
    comparableInputs: (news) => ({ ...news, owner: news.owner ?? news.connection.user }),
    replaceKeys: ["databaseName"],
    async drop(props) {
        if (!props.dropOnDelete) return;
        await withClient(props.connection, async (client) => {
            await client.query(`DROP DATABASE IF EXISTS ${ident("databaseName", props.databaseName)} WITH (FORCE)`);
        });
    },
});
