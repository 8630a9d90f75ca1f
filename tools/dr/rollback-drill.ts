/**
 * The blue → green rollback drill, data side, for real on embedded PostgreSQL 16
 * (`npm run dr:rollback`; test/dr/rollback.test.ts asserts on the same report):
 *
 *   one regional server with the two colour databases; green is active and takes writes (product
 *   master data, a steady stream of small transactions) that replicate to blue over the colour
 *   pair; the rollback is decided → green's writes drain (the app stops taking them) →
 *   `prepareSwitch(green → blue)`: every table READY, lag under the bound, blue has confirmed
 *   green's current WAL position, sequences advanced → blue takes writes.
 *
 * RTO (data side): from the rollback decision until blue accepts its first write with everything
 * green committed applied. It does not include the Kubernetes side (`activeColor` flipped by
 * `pulumi up`, a Service selector change), which cannot run on these machines. RPO: changes green
 * committed that blue lacks afterwards (count and checksum compared): 0 is the promise.
 */
import { PgConnection, withClient } from "../../components/postgres/connection";
import { ensureCatalogTables } from "../../components/replication/providers/catalog-tables";
import { flowObjectName } from "../../components/replication/naming";
import { prepareSwitch } from "../../ops/replication/switch";
import { startLocalPg } from "../local-pg/cluster";
import { digest, wireFlow } from "./edge-restore-drill";

export interface RollbackDrillOptions {
    /** How long green takes writes before the rollback is decided. Default 2000 ms. */
    writesMs?: number;
}

export interface RollbackReport {
    /** Product changes green committed (inserts and updates). */
    greenCommits: number;
    /** Milliseconds: writes drained, prepareSwitch done, first write on blue. */
    drainMs: number;
    prepareMs: number;
    rtoMs: number;
    /** Rows of green's products missing or different on blue after the switch (0 = RPO 0). */
    differingRows: number;
    products: { green: { count: number; checksum: string }; blue: { count: number; checksum: string } };
}

export async function runRollbackDrill(options: RollbackDrillOptions = {}): Promise<RollbackReport> {
    const cluster = await startLocalPg({ names: ["region"], fsync: true, settings: { wal_retrieve_retry_interval: "200ms" } });
    try {
        const server = cluster.get("region");
        const green = await server.createDatabase("backend_green");
        const blue = await server.createDatabase("backend_blue");
        for (const conn of [green, blue]) await ensureCatalogTables(conn, ["products"]);
        const pair = flowObjectName("region_green", "region_blue");
        await wireFlow(green, blue, "region_green", pair, ["products"], "Pair-pa55w0rd", undefined);

        // Green is active: a steady stream of product changes.
        let commits = 0;
        let writing = true;
        const writer = withClient(green, async (client) => {
            for (let i = 0; writing; i++) {
                await client.query(
                    "INSERT INTO public.products (tenant_id, product_id, sku, name) VALUES ('tenant-1', $1, $2, 'v1') " +
                    "ON CONFLICT (tenant_id, product_id) DO UPDATE SET name = excluded.name || '+', updated_at = now()",
                    [`p-${i % 500}`, `SKU-${i % 500}`]);
                commits++;
            }
        });
        await new Promise((resolve) => setTimeout(resolve, options.writesMs ?? 2000));

        // The rollback is decided: the clock starts.
        const decided = Date.now();
        writing = false;
        await writer;
        const drained = Date.now();
        await prepareSwitch({ source: green, target: blue, subscriptionName: pair, timeoutMs: 60_000 });
        const prepared = Date.now();
        await withClient(blue, (client) => client.query(
            "INSERT INTO public.products (tenant_id, product_id, sku, name) VALUES ('tenant-1', 'after-rollback', 'SKU-after', 'v1')"));
        const rtoMs = Date.now() - decided;

        // Green's rows against blue's, leaving out the write blue took after the switch.
        const rows = async (conn: PgConnection) => withClient(conn, async (c) =>
            new Map((await c.query<{ k: string; t: string }>("SELECT product_id AS k, t::text AS t FROM public.products t WHERE product_id <> 'after-rollback'")).rows.map((r) => [r.k, r.t])));
        const [g, b] = await Promise.all([rows(green), rows(blue)]);
        const differing = [...g].filter(([k, t]) => b.get(k) !== t).length + [...b.keys()].filter((k) => !g.has(k)).length;
        await withClient(blue, (c) => c.query("DELETE FROM public.products WHERE product_id = 'after-rollback'"));
        return {
            greenCommits: commits, drainMs: drained - decided, prepareMs: prepared - drained, rtoMs, differingRows: differing,
            products: { green: await digest(green, "products"), blue: await digest(blue, "products") },
        };
    } finally {
        await cluster.destroy();
    }
}

if (require.main === module) {
    runRollbackDrill().then((r) => {
        console.log(`green committed ${r.greenCommits} product changes; rollback to blue: drain ${r.drainMs} ms, prepareSwitch ${r.prepareMs} ms, ` +
            `RTO (data side) ${(r.rtoMs / 1000).toFixed(2)} s; RPO: ${r.differingRows} rows differ (products: green ${r.products.green.count}, blue ${r.products.blue.count}, ` +
            `checksums ${r.products.green.checksum === r.products.blue.checksum ? "equal" : "DIFFER"})`);
        if (r.differingRows > 0) process.exitCode = 1;
    }).catch((err) => { console.error(err); process.exitCode = 1; });
}
