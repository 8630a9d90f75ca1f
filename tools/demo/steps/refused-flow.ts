/**
 * Step 5: a mesh with a flow sending `customers` (personal) from eu-central to us-east is refused
 * by the component's validation before anything is created: the program fails with the
 * sovereignty error, the resource graph holds nothing, and the databases' replication catalogs
 * (publications, subscriptions, slots, roles) are exactly as before.
 */
import { PgConnection } from "../../../components/postgres/connection";
import { DemoContext } from "../context";
import { EngineError } from "../engine";
import { applyMesh } from "../apply-mesh";
import { Check, errorText } from "../narrator";
import { NODES, refusedMeshArgs } from "../topology";
import { rows } from "../workload";

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

export async function refusedFlow(ctx: DemoContext): Promise<Check[]> {
    const nodes = [NODES.euCentral, NODES.blue] as const;
    const catalogBefore = await Promise.all(nodes.map((node) => replicationCatalog(ctx.env.admin[node])));
    ctx.narrator.info("applying a mesh with the flow eu_central → us_east_blue: customers");

    let error: unknown;
    let registered: string[] = [];
    let providerCalls = 0;
    try {
        await applyMesh(refusedMeshArgs(ctx.env), undefined, "refused");
    } catch (caught) {
        error = caught instanceof EngineError ? caught.cause : caught;
        if (caught instanceof EngineError) {
            registered = caught.run.graph.resources.map((r) => `${r.type} ${r.name}`);
            providerCalls = caught.run.created.length;
        }
    }
    const catalogAfter = await Promise.all(nodes.map((node) => replicationCatalog(ctx.env.admin[node])));

    const refused = error instanceof Error && error.name === "SovereigntyError";
    const checks: Check[] = [ctx.narrator.check({
        ok: refused,
        label: refused ? "refused by the mesh's validation (SovereigntyError)" : `NOT refused as a sovereignty violation${error ? ` (${errorText(error)})` : ""}`,
        details: error ? [errorText(error)] : undefined,
    })];
    checks.push(ctx.narrator.check({
        ok: error !== undefined && registered.length === 0 && providerCalls === 0,
        label: `nothing was registered: ${registered.length} resources in the graph, ${providerCalls} provider calls`,
        details: registered.length > 0 ? registered : undefined,
    }));
    nodes.forEach((node, i) => {
        const same = JSON.stringify(catalogBefore[i]) === JSON.stringify(catalogAfter[i]);
        checks.push(ctx.narrator.check({
            ok: same,
            label: `${node}'s replication catalog is unchanged (${catalogAfter[i].length} publications, subscriptions, slots and mesh roles, as before)`,
            details: same ? undefined : [`before: ${catalogBefore[i].join(", ")}`, `after:  ${catalogAfter[i].join(", ")}`],
        }));
    });
    return checks;
}
