/**
 * What the applications would write: orders and stock movements at a factory, customers and
 * products in a region, inventory snapshots (aggregates) in a region. Every value is a bind
 * parameter; ids are deterministic so runs are comparable.
 */
import type { QueryResultRow } from "pg";
import { PgConnection, inTransaction, withClient } from "../../components/postgres/connection";
import { ident } from "../../components/postgres/sql";
import { TENANT } from "../../stacks/local-topology";

/** Rows of one query on a node's database (one short-lived connection). */
export async function rows<R extends QueryResultRow = QueryResultRow>(conn: PgConnection, sql: string, params: unknown[] = []): Promise<R[]> {
    return withClient(conn, async (client) => (await client.query<R>(sql, params)).rows, { applicationName: "agogsaas-demo" });
}

/** `SELECT count(*)` of a table where `column = value`. */
export async function countWhere(conn: PgConnection, table: "orders" | "customers" | "inventory_snapshots" | "products", column: string, value: string): Promise<number> {
    const result = await rows<{ n: number }>(conn, `SELECT count(*)::int AS n FROM public.${ident("table", table)} WHERE ${ident("column", column)} = $1`, [value]);
    return result[0].n;
}

/**
 * Inserts `count` orders for `facility` with ids `${prefix}-0001`…, in transactions of `perTransaction`
 * rows (the edge app commits each order; batches keep the demo quick).
 */
export async function takeOrders(conn: PgConnection, facility: string, prefix: string, count: number, perTransaction = 50, customer = "c-1001"): Promise<void> {
    await withClient(conn, async (client) => {
        for (let start = 1; start <= count; start += perTransaction) {
            const n = Math.min(perTransaction, count - start + 1);
            await inTransaction(client, () => client.query(
                "INSERT INTO public.orders (facility_id, tenant_id, order_id, customer_id, product_id, quantity, status) " +
                "SELECT $1, $2, $3 || '-' || lpad(g::text, 4, '0'), $6, 'p-' || (1 + g % 5), 1 + g % 9, 'new' " +
                "FROM generate_series($4::int, $5::int) AS g",
                [facility, TENANT, prefix, start, start + n - 1, customer]));
        }
    }, { applicationName: "agogsaas-demo" });
}

/** Stock movements at a facility (one transaction). */
export async function moveStock(conn: PgConnection, facility: string, prefix: string, count: number): Promise<void> {
    await rows(conn,
        "INSERT INTO public.inventory_transactions (facility_id, tenant_id, transaction_id, product_id, quantity_delta, reason) " +
        "SELECT $1, $2, $3 || '-' || lpad(g::text, 4, '0'), 'p-' || (1 + g % 5), CASE WHEN g % 3 = 0 THEN -g ELSE g END, 'demo' " +
        "FROM generate_series(1, $4::int) AS g",
        [facility, TENANT, prefix, count]);
}

/** A customer of the tenant (personal data: name, e-mail). */
export async function addCustomer(conn: PgConnection, customerId: string, name: string, email: string, country: string): Promise<void> {
    await rows(conn, "INSERT INTO public.customers (tenant_id, customer_id, name, email, country) VALUES ($1, $2, $3, $4, $5)",
        [TENANT, customerId, name, email, country]);
}

/** Products of the tenant (master data, not personal). */
export async function addProducts(conn: PgConnection, count: number): Promise<void> {
    await rows(conn,
        "INSERT INTO public.products (tenant_id, product_id, sku, name) " +
        "SELECT $1, 'p-' || g, 'SKU-' || lpad(g::text, 5, '0'), 'Part ' || g FROM generate_series(1, $2::int) AS g ON CONFLICT DO NOTHING",
        [TENANT, count]);
}

/** An aggregate stock figure for one facility and product (the kind of row that may cross zones). */
export async function snapshotInventory(conn: PgConnection, region: string, facility: string, product: string, onHand: number): Promise<void> {
    await rows(conn, "INSERT INTO public.inventory_snapshots (region, facility_id, product_id, on_hand, snapshot_at) VALUES ($1, $2, $3, $4, now())",
        [region, facility, product, onHand]);
}
