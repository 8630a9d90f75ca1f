/**
 * The real Pulumi engine (tools/engine: CLI built from source) deploying the `local` stack onto
 * embedded PostgreSQL: converge, no-op, in-place updates, drift, destroy.
 */
import * as assert from "assert";
import { NODES, FACILITY_LA } from "../../stacks/local-topology";
import { flowObjectName } from "../../components/replication/naming";
import { rows, takeOrders } from "../../tools/demo/workload";
import { waitUntil } from "../../tools/demo/wait";
import { LocalDeployment, leftovers, previewSteps, startLocalDeployment, summaryOf } from "../support/local-engine";

const LA_TO_BLUE = flowObjectName(NODES.edgeLa, NODES.blue);
const BLUE_TO_LA = flowObjectName(NODES.blue, NODES.edgeLa);

async function ordersOn(d: LocalDeployment, node: keyof LocalDeployment["env"]["admin"], facility: string): Promise<number> {
    const [row] = await rows<{ n: number }>(d.env.admin[node], "SELECT count(*)::int AS n FROM public.orders WHERE facility_id = $1", [facility]);
    return row.n;
}

async function reaches(d: LocalDeployment, node: keyof LocalDeployment["env"]["admin"], facility: string, count: number): Promise<boolean> {
    return (await waitUntil(() => ordersOn(d, node, facility), (n) => n === count, { timeoutMs: 20_000 })).ok;
}

describe("real engine: the local stack's lifecycle on embedded PostgreSQL", function () {
    this.timeout(300_000);
    let d: LocalDeployment;

    before(async () => {
        d = await startLocalDeployment();
    });
    after(async () => {
        await d?.cleanup();
    });

    it("1. pulumi up from empty converges; a second up changes nothing; preview --expect-no-changes passes", async () => {
        const first = await d.stack.up();
        assert.strictEqual(summaryOf(first.stdout).created, 33, first.stdout.slice(-1500));
        assert.ok(await waitUntil(() => rows(d.env.admin[NODES.green], "SELECT 1 FROM pg_subscription WHERE subname = $1", [flowObjectName(NODES.blue, NODES.green)]), (r) => r.length === 1, { timeoutMs: 5000 }));

        const second = await d.stack.up();
        assert.deepStrictEqual(summaryOf(second.stdout), { unchanged: 33 }, second.stdout.slice(-1500));
        const preview = await d.stack.run(["preview"], ["--expect-no-changes", "--non-interactive"]);
        assert.strictEqual(preview.code, 0, preview.stdout.slice(-1500) + preview.stderr);
    });

    it("2. a row filter widened and a table added update in place, never replace, and keep replicated rows", async () => {
        await takeOrders(d.env.admin[NODES.edgeLa], FACILITY_LA, "ENG-BEFORE", 20);
        assert.ok(await reaches(d, NODES.blue, FACILITY_LA, 20), "LA's orders reached blue before the change");

        const changed = d.variant("widened", {
            "agogsaas:localEdgeFacilities": { edge_la: [FACILITY_LA, "facility-la-002"] },
            "agogsaas:localAggregateTables": ["inventory_snapshots", "facility_status"],
        });
        const preview = await d.stack.preview(["--json"], { configFile: changed });
        const steps = previewSteps(preview.stdout).filter((s) => s.op !== "same");
        assert.ok(steps.length > 0, "the change is seen");
        const ops = new Set(steps.map((s) => s.op));
        assert.deepStrictEqual([...ops].filter((op) => op !== "update"), [], `only updates expected: ${steps.map((s) => `${s.op} ${s.urn}`).join("\n")}`);
        assert.ok(steps.some((s) => s.urn.endsWith(`${LA_TO_BLUE}-pub`) || s.urn.includes(`${NODES.edgeLa}`)), steps.map((s) => s.urn).join("\n"));

        const up = await d.stack.up([], { configFile: changed });
        const summary = summaryOf(up.stdout);
        assert.strictEqual(summary.replaced, undefined, up.stdout.slice(-1500));
        assert.strictEqual(summary.created, undefined, up.stdout.slice(-1500));
        assert.strictEqual(summary.deleted, undefined, up.stdout.slice(-1500));
        assert.ok((summary.updated ?? 0) >= 1, up.stdout.slice(-1500));

        // The rows replicated before the change are still there, the new facility's rows flow too.
        assert.strictEqual(await ordersOn(d, NODES.blue, FACILITY_LA), 20);
        await takeOrders(d.env.admin[NODES.edgeLa], "facility-la-002", "ENG-LA2", 5);
        assert.ok(await reaches(d, NODES.blue, "facility-la-002", 5), "facility-la-002's orders reach blue after the widened filter");
        const published = await rows<{ tablename: string }>(d.env.admin[NODES.euCentral],
            "SELECT tablename::text FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1", [flowObjectName(NODES.euCentral, NODES.blue)]);
        assert.deepStrictEqual(published.map((r) => r.tablename), ["facility_status", "inventory_snapshots"]);

        const back = await d.stack.up(["--expect-no-changes"], { configFile: changed });
        assert.deepStrictEqual(summaryOf(back.stdout), { unchanged: 33 });
        // Return to the stack's own config for the next tests.
        const restored = await d.stack.up();
        assert.strictEqual(summaryOf(restored.stdout).replaced, undefined);
    });

    it("3. drift: a dropped publication and a disabled subscription are found by refresh and repaired by up", async () => {
        await rows(d.env.admin[NODES.edgeLa], `DROP PUBLICATION ${LA_TO_BLUE}`);
        await rows(d.env.admin[NODES.edgeLa], `ALTER SUBSCRIPTION ${BLUE_TO_LA} DISABLE`);

        const drifted = await d.stack.run(["preview"], ["--refresh", "--expect-no-changes", "--non-interactive"]);
        assert.notStrictEqual(drifted.code, 0, "a refreshing preview sees the drift");
        const refresh = await d.stack.refresh();
        assert.match(refresh.stdout, new RegExp(`${LA_TO_BLUE}-pub[^\\n]*(deleted|delete)`), refresh.stdout.slice(-2500));
        assert.match(refresh.stdout, new RegExp(`${BLUE_TO_LA}-sub[^\\n]*(updated|update)`), refresh.stdout.slice(-2500));

        const repair = await d.stack.up();
        const summary = summaryOf(repair.stdout);
        assert.ok((summary.created ?? 0) >= 1 && (summary.updated ?? 0) >= 1, repair.stdout.slice(-1500));
        assert.strictEqual(summary.replaced, undefined);
        const [sub] = await rows<{ subenabled: boolean }>(d.env.admin[NODES.edgeLa], "SELECT subenabled FROM pg_subscription WHERE subname = $1", [BLUE_TO_LA]);
        assert.strictEqual(sub.subenabled, true);
        assert.strictEqual((await rows(d.env.admin[NODES.edgeLa], "SELECT 1 FROM pg_publication WHERE pubname = $1", [LA_TO_BLUE])).length, 1);
        const before = await ordersOn(d, NODES.blue, FACILITY_LA);
        await takeOrders(d.env.admin[NODES.edgeLa], FACILITY_LA, "ENG-REPAIRED", 3);
        assert.ok(await reaches(d, NODES.blue, FACILITY_LA, before + 3), "replication works again after the repair");
        const clean = await d.stack.run(["preview"], ["--refresh", "--expect-no-changes", "--non-interactive"]);
        assert.strictEqual(clean.code, 0, clean.stdout.slice(-1500));
    });

    it("4. pulumi destroy leaves no database, publication, subscription, slot or mesh role on any server", async () => {
        assert.ok((await leftovers(d.env)).length > 0, "control: the deployment left objects to find");
        const destroy = await d.stack.destroy();
        assert.match(destroy.stdout, /33 deleted/, destroy.stdout.slice(-1500));
        assert.deepStrictEqual(await leftovers(d.env), []);
        assert.deepStrictEqual(await d.stack.urns(), []);
    });
});
