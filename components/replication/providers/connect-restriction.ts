/**
 * ConnectRestriction (dynamic resource): `REVOKE CONNECT ON DATABASE <this one> FROM PUBLIC`, so
 * only its owner, the admin and roles granted CONNECT explicitly (the mesh's replication roles
 * grant it on their own database) can log in to it.
 *
 * Why: PostgreSQL has no privileges on publications. A login with REPLICATION (or
 * `rds_replication`) that may CONNECT to a database can create a slot there and stream ANY of its
 * publications, whatever its SELECT grants (the real-PostgreSQL peering test shows it). A region
 * hands such a login to other zones' stacks (the peering role of its offered publication); on that
 * server, every database the mesh manages must therefore refuse it, or the blue->green and
 * master-data publications (customers, orders...) would be readable across zones.
 *
 * The admin keeps CONNECT (granted to itself first). The restriction is checked after the REVOKE:
 * an admin that does not own the database revokes nothing (PostgreSQL only warns), which fails
 * here instead of passing silently. Delete gives CONNECT back to PUBLIC (PostgreSQL's default).
 *
 * Provider API: `connectRestrictionProvider.create/read/diff/update/delete` with
 * {@link ConnectRestrictionInputs}.
 */
import type { Client } from "pg";
import { PgConnection, describeConnection, withClient } from "../../postgres/connection";
import { pgObjectProvider } from "../../postgres/providers/pg-object-provider";
import { ident } from "../../postgres/sql";

/** Resolved inputs. */
export interface ConnectRestrictionInputs {
    /** Admin connection to the database to restrict (its owner, or a member of the owner role). */
    connection: PgConnection;
}

/** State: whether PUBLIC may still CONNECT (false once restricted). */
export interface ConnectRestrictionState extends ConnectRestrictionInputs {
    publicConnect: boolean;
}

/** Whether PUBLIC holds CONNECT on the current database (an unset ACL means PostgreSQL's default: it does). */
async function publicMayConnect(client: Client): Promise<boolean> {
    const { rows } = await client.query<{ granted: boolean }>(
        "SELECT EXISTS (SELECT 1 FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a " +
        "WHERE d.datname = current_database() AND a.grantee = 0 AND a.privilege_type = 'CONNECT') AS granted");
    return rows[0].granted;
}

async function currentDatabase(client: Client): Promise<string> {
    const { rows } = await client.query<{ name: string }>("SELECT current_database() AS name");
    return ident("database", rows[0].name);
}

/** Restricts CONNECT on the connection's database; throws when PUBLIC still has it afterwards. */
export async function restrictConnect(conn: PgConnection): Promise<void> {
    await withClient(conn, async (client) => {
        const database = await currentDatabase(client);
        await client.query(`GRANT CONNECT ON DATABASE ${database} TO CURRENT_USER`);
        await client.query(`REVOKE CONNECT ON DATABASE ${database} FROM PUBLIC`);
        if (await publicMayConnect(client)) {
            throw new Error(`CONNECT on ${describeConnection(conn)} is still granted to PUBLIC after REVOKE: ` +
                `"${conn.user}" does not own the database (make it the owner, or a member of the owner role)`);
        }
    });
}

export const connectRestrictionProvider = pgObjectProvider<ConnectRestrictionInputs, ConnectRestrictionState>({
    id: (inputs) => inputs.connection.database,
    async apply(inputs) {
        await restrictConnect(inputs.connection);
        return { ...inputs, publicConnect: false };
    },
    read: async (props) => ({ publicConnect: await withClient(props.connection, publicMayConnect) }),
    comparable: (olds: ConnectRestrictionState) => ({ connection: olds.connection, publicConnect: olds.publicConnect ?? false }),
    comparableInputs: (news) => ({ connection: news.connection, publicConnect: false }),
    async drop(props) {
        await withClient(props.connection, async (client) => {
            await client.query(`GRANT CONNECT ON DATABASE ${await currentDatabase(client)} TO PUBLIC`);
        });
    },
});
