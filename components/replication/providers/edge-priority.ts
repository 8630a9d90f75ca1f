/**
 * Edge priority: operational rows belong to their facility. On a regional database, a write to a
 * facility's operational rows that does not come from replication is rejected, so the cloud never
 * overwrites the edge (native PostgreSQL has no conflict resolution: a conflicting row would stop
 * the apply worker, or silently win).
 *
 * Mechanism: an ordinary BEFORE row trigger (and a BEFORE TRUNCATE statement trigger) on each
 * operational table. Logical replication apply and table-sync workers run with
 * `session_replication_role = replica`, and ordinary triggers do not fire in that mode, so
 * replicated writes pass while every local write (application, psql, a buggy job) to a row whose
 * `facility_id` is listed in `agogsaas_mesh.edge_owned_facility` raises
 * "edge priority: ..." (SQLSTATE 42501). Rows of facilities not listed (e.g. a facility with no
 * edge) stay writable. A superuser repairing data can `SET session_replication_role = replica`.
 *
 * Provider API (stable): `edgePriorityProvider.create/read/diff/update/delete` with
 * {@link EdgePriorityInputs}.
 */
import type { Client } from "pg";
import { PgConnection, inTransaction, withClient } from "../../postgres/connection";
import { pgObjectProvider } from "../../postgres/providers/pg-object-provider";
import { ident } from "../../postgres/sql";
import { ValidationError } from "../../shared/errors";
import { TABLE_CATALOG } from "../../shared/sovereignty";

export const GUARD_SCHEMA = "agogsaas_mesh";
export const GUARD_TRIGGER = "agogsaas_edge_priority";

/** Static DDL (no interpolated values): the schema, the owned-facility table and the trigger function. */
export const EDGE_PRIORITY_DDL: readonly string[] = [
    `CREATE SCHEMA IF NOT EXISTS ${GUARD_SCHEMA}`,
    `CREATE TABLE IF NOT EXISTS ${GUARD_SCHEMA}.edge_owned_facility (facility_id text PRIMARY KEY)`,
    `CREATE OR REPLACE FUNCTION ${GUARD_SCHEMA}.reject_local_write_to_edge_rows() RETURNS trigger
LANGUAGE plpgsql AS $guard$
BEGIN
    -- Only local writes reach this point: replication apply runs with session_replication_role = replica.
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM ${GUARD_SCHEMA}.edge_owned_facility) THEN
            RAISE EXCEPTION 'edge priority: % holds rows owned by edge facilities; it cannot be truncated here', TG_TABLE_NAME
                USING ERRCODE = '42501';
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (SELECT 1 FROM ${GUARD_SCHEMA}.edge_owned_facility WHERE facility_id = OLD.facility_id) THEN
        RAISE EXCEPTION 'edge priority: % rows of facility % are owned by its edge; change them at the facility', TG_TABLE_NAME, OLD.facility_id
            USING ERRCODE = '42501';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (SELECT 1 FROM ${GUARD_SCHEMA}.edge_owned_facility WHERE facility_id = NEW.facility_id) THEN
        RAISE EXCEPTION 'edge priority: % rows of facility % are owned by its edge; write them at the facility', TG_TABLE_NAME, NEW.facility_id
            USING ERRCODE = '42501';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$guard$`,
];

/** Resolved inputs. */
export interface EdgePriorityInputs {
    /** Admin connection to the regional database. */
    connection: PgConnection;
    /** Operational tables to guard (must exist and have a facility_id column). */
    tables: string[];
    /** Facilities whose rows belong to an edge. */
    facilities: string[];
}

function assertGuardable(tables: readonly string[]): void {
    tables.forEach((table, i) => {
        const spec = TABLE_CATALOG[table];
        if (!spec || spec.class !== "operational" || !spec.columns.includes("facility_id")) {
            throw new ValidationError(`tables[${i}]`, `"${table}" is not an operational table with facility_id`);
        }
    });
}

async function applyGuard(client: Client, inputs: EdgePriorityInputs): Promise<void> {
    assertGuardable(inputs.tables);
    for (const sql of EDGE_PRIORITY_DDL) await client.query(sql);
    for (const table of inputs.tables) {
        const target = `public.${ident("table", table)}`;
        await client.query(`DROP TRIGGER IF EXISTS ${GUARD_TRIGGER} ON ${target}`);
        await client.query(`DROP TRIGGER IF EXISTS ${GUARD_TRIGGER}_truncate ON ${target}`);
        await client.query(`CREATE TRIGGER ${GUARD_TRIGGER} BEFORE INSERT OR UPDATE OR DELETE ON ${target} ` +
            `FOR EACH ROW EXECUTE FUNCTION ${GUARD_SCHEMA}.reject_local_write_to_edge_rows()`);
        await client.query(`CREATE TRIGGER ${GUARD_TRIGGER}_truncate BEFORE TRUNCATE ON ${target} ` +
            `FOR EACH STATEMENT EXECUTE FUNCTION ${GUARD_SCHEMA}.reject_local_write_to_edge_rows()`);
    }
    await client.query(`DELETE FROM ${GUARD_SCHEMA}.edge_owned_facility WHERE NOT (facility_id = ANY($1::text[]))`, [inputs.facilities]);
    await client.query(`INSERT INTO ${GUARD_SCHEMA}.edge_owned_facility (facility_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [inputs.facilities]);
}

/** Installs (or converges) the guard: DDL, triggers on `tables`, the owned-facility list. One transaction. */
export async function installEdgePriority(inputs: EdgePriorityInputs): Promise<void> {
    await withClient(inputs.connection, (client) => inTransaction(client, () => applyGuard(client, inputs)));
}

/** What the database has: guarded tables (both triggers present) and owned facilities. */
export async function readEdgePriority(conn: PgConnection): Promise<{ tables: string[]; facilities: string[] } | undefined> {
    return withClient(conn, async (client) => {
        const { rows: schema } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [GUARD_SCHEMA]);
        if (schema.length === 0) return undefined;
        const { rows: tables } = await client.query<{ relname: string }>(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE n.nspname = 'public' AND t.tgname IN ($1, $2) AND t.tgenabled <> 'D' GROUP BY c.relname HAVING count(*) = 2 ORDER BY 1",
            [GUARD_TRIGGER, `${GUARD_TRIGGER}_truncate`]);
        const { rows: facilities } = await client.query<{ facility_id: string }>(
            `SELECT facility_id FROM ${GUARD_SCHEMA}.edge_owned_facility ORDER BY 1`);
        return { tables: tables.map((r) => r.relname), facilities: facilities.map((r) => r.facility_id) };
    });
}

/** Removes the triggers from `tables` and forgets the facilities (the schema and function stay). */
export async function removeEdgePriority(inputs: EdgePriorityInputs): Promise<void> {
    await withClient(inputs.connection, (client) => inTransaction(client, async () => {
        for (const table of inputs.tables) {
            const target = `public.${ident("table", table)}`;
            await client.query(`DROP TRIGGER IF EXISTS ${GUARD_TRIGGER} ON ${target}`);
            await client.query(`DROP TRIGGER IF EXISTS ${GUARD_TRIGGER}_truncate ON ${target}`);
        }
        await client.query(`DELETE FROM ${GUARD_SCHEMA}.edge_owned_facility WHERE facility_id = ANY($1::text[])`, [inputs.facilities]);
    }));
}

export const edgePriorityProvider = pgObjectProvider<EdgePriorityInputs, EdgePriorityInputs>({
    id: (inputs) => `${inputs.connection.database}:edge-priority`,
    async apply(inputs, olds) {
        // On update: tables no longer guarded lose their triggers first.
        const dropped = olds ? olds.tables.filter((t) => !inputs.tables.includes(t)) : [];
        if (dropped.length > 0) await removeEdgePriority({ ...inputs, tables: dropped, facilities: [] });
        await installEdgePriority(inputs);
        return inputs;
    },
    read: (props) => readEdgePriority(props.connection),
    comparable: (p) => ({ ...p, tables: [...p.tables].sort(), facilities: [...p.facilities].sort() }),
    drop: removeEdgePriority,
});
