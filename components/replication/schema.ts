/**
 * DDL for the catalog tables (TABLE_CATALOG) as the mesh creates them on every node that publishes
 * or subscribes them. Logical replication does not replicate DDL: both ends need the table before a
 * publication gains it, so the mesh creates tables first (CREATE TABLE IF NOT EXISTS, never ALTER
 * or DROP: schema evolution is the application's migrations' job).
 *
 * The primary key of every operational table includes `facility_id` (and master tables
 * `tenant_id`), which makes the row-filter columns part of the replica identity.
 *
 * Pure: no Pulumi imports.
 */
import { TABLE_CATALOG, assertKnownTables } from "../shared/sovereignty";
import { ident } from "../postgres/sql";

/** Column types by name; `*_id` columns are text and `*_at` columns timestamptz unless listed. */
const COLUMN_TYPES: Readonly<Record<string, string>> = {
    quantity: "integer",
    quantity_delta: "integer",
    on_hand: "integer",
    orders_today: "integer",
    price: "numeric(12,2)",
    online: "boolean",
    valid_from: "timestamptz",
    status: "text",
    reason: "text",
    result: "text",
    name: "text",
    email: "text",
    country: "text",
    sku: "text",
    currency: "text",
    region: "text",
};

/** The SQL type of a catalog column. Throws for a column with no known type (keeps catalog and DDL in step). */
export function columnType(column: string): string {
    if (column in COLUMN_TYPES) return COLUMN_TYPES[column];
    if (column.endsWith("_id")) return "text";
    if (column.endsWith("_at")) return "timestamptz";
    throw new Error(`schema: no SQL type known for catalog column "${column}"`);
}

/** `CREATE TABLE IF NOT EXISTS public.<table> (...)` for a catalog table. */
export function createTableSql(table: string): string {
    assertKnownTables("tables", [table]);
    const spec = TABLE_CATALOG[table];
    const columns = spec.columns.map((column) => {
        const notNull = spec.primaryKey.includes(column) ? " NOT NULL" : "";
        const defaultNow = columnType(column) === "timestamptz" && !spec.primaryKey.includes(column) ? " DEFAULT now()" : "";
        return `${ident("column", column)} ${columnType(column)}${notNull}${defaultNow}`;
    });
    const key = spec.primaryKey.map((column) => ident("column", column)).join(", ");
    return `CREATE TABLE IF NOT EXISTS public.${ident("table", table)} (${columns.join(", ")}, PRIMARY KEY (${key}))`;
}
