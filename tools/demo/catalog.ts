/**
 * What the local stack leaves on the demo's servers: replication objects per database, and
 * everything of ours per server. The demo's destroy check and the engine tests read the same.
 */
import { PgConnection } from "../../components/postgres/connection";
import type { DemoEnvironment } from "./environment";
import { rows } from "./workload";

/** Replication objects visible from one database, as sorted names. */
export async function replicationCatalog(conn: PgConnection): Promise<string[]> {
    const found = await rows<{ kind: string; name: string }>(conn,
        "SELECT 'publication' AS kind, pubname::text AS name FROM pg_publication " +
        "UNION ALL SELECT 'subscription', subname::text FROM pg_subscription " +
        "UNION ALL SELECT 'slot', slot_name::text FROM pg_replication_slots " +
        "UNION ALL SELECT 'role', rolname::text FROM pg_roles WHERE rolname LIKE 'mesh\\_%' " +
        "ORDER BY 1, 2");
    return found.map((row) => `${row.kind}:${row.name}`);
}

/** Everything of ours on every server: databases other than the defaults, and replication objects ("<server>: <kind>:<name>"). */
export async function leftovers(env: DemoEnvironment): Promise<string[]> {
    const found: string[] = [];
    for (const instance of env.instances) {
        const conn: PgConnection = instance.connection("postgres");
        const databases = await rows<{ datname: string }>(conn, "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')");
        found.push(...databases.map((d) => `${instance.name}: database ${d.datname}`));
        found.push(...(await replicationCatalog(conn)).map((o) => `${instance.name}: ${o}`));
    }
    return found;
}
