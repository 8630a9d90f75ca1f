/**
 * Engine test 6: the engine is killed (SIGKILL, with its language host and plugins) in the middle
 * of `pulumi up` while resources are being created; the pending creates are cleared and `pulumi up`
 * runs again and converges. Orders written at the LA edge before, during and after the crash all
 * arrive in us-east (blue and green): counts and checksums equal, 0 lost, 0 duplicated.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { killSession } from "../../tools/engine/cli";
import { FACILITY_LA, NODES } from "../../stacks/local-topology";
import { waitInStep } from "../../tools/demo/in-step";
import { rows, takeOrders } from "../../tools/demo/workload";
import { waitUntil } from "../../tools/demo/wait";
import { LocalDeployment, startLocalDeployment, summaryOf } from "../support/local-engine";

describe("real engine: kill -9 in the middle of pulumi up", function () {
    this.timeout(300_000);
    let d: LocalDeployment;
    before(async () => { d = await startLocalDeployment(); });
    after(async () => { await d?.cleanup(); });

    it("6. converges after the crash; rows written during and after it arrive once each", async () => {
        let pid: number | undefined;
        let created = 0;
        let killed = false;
        const crashed = d.stack.run(["up"], ["--yes", "--skip-preview", "--non-interactive"], {
            processGroup: true,
            onSpawn: (p) => { pid = p; },
            onOutput: (chunk) => {
                created += (chunk.match(/ created \(/g) ?? []).length;
                // Past the databases and catalog tables, while publications/subscriptions are being created.
                if (!killed && created >= 12 && pid !== undefined) {
                    killed = true;
                    killSession(pid);
                }
            },
        });
        // The edge keeps taking orders whatever the cloud side's deployment is doing.
        const tablesAtLa = await waitUntil(
            () => rows<{ ok: boolean }>(d.env.admin[NODES.edgeLa], "SELECT to_regclass('public.orders') IS NOT NULL AS ok").catch(() => [{ ok: false }]), // the database comes first
            (r) => r[0]?.ok === true, { timeoutMs: 60_000 });
        assert.ok(tablesAtLa.ok, "the LA tables were created by the first up");
        await takeOrders(d.env.admin[NODES.edgeLa], FACILITY_LA, "CRASH-DURING", 100, 10);
        const first = await crashed;
        assert.ok(killed, `the engine was killed mid-up (${created} resources created before)`);
        assert.notStrictEqual(first.code, 0);
        const inState = (await d.stack.urns()).length;
        assert.ok(inState > 0 && inState < 34, `a partial deployment is in state: ${inState} resources`);

        await takeOrders(d.env.admin[NODES.edgeLa], FACILITY_LA, "CRASH-AFTER", 100, 10);
        // The killed engine left its lock: `pulumi cancel` removes it (what the error message tells a user).
        const locks = path.join(d.dir, "state", "backend", ".pulumi", "locks");
        const lockFiles = () => fs.existsSync(locks) ? fs.readdirSync(locks, { recursive: true }).filter((f) => String(f).endsWith(".json")) : [];
        assert.strictEqual(lockFiles().length, 1, "the crashed update left the stack locked");
        await d.stack.cancel();
        assert.deepStrictEqual(lockFiles(), []);
        // Creates that were in flight are unknown to the state: drop them, the providers adopt what exists.
        await d.stack.refresh(["--clear-pending-creates"]);
        const again = await d.stack.up();
        assert.strictEqual(summaryOf(again.stdout).replaced, undefined, again.stdout.slice(-1500));
        const noop = await d.stack.up();
        assert.deepStrictEqual(summaryOf(noop.stdout), { unchanged: 33 }, noop.stdout.slice(-1500));

        await takeOrders(d.env.admin[NODES.edgeLa], FACILITY_LA, "CRASH-LATER", 50, 10);
        const slice = { column: "facility_id", value: FACILITY_LA };
        for (const node of [NODES.blue, NODES.green]) {
            const checks = await waitInStep({ node: NODES.edgeLa, conn: d.env.admin[NODES.edgeLa] }, { node, conn: d.env.admin[node] }, ["orders"], slice, { timeoutMs: 30_000 });
            assert.ok(checks.every((c) => c.ok), checks.map((c) => [c.label, ...(c.details ?? [])].join("\n")).join("\n"));
        }
        const [counts] = await rows<{ n: number; distinct: number }>(d.env.admin[NODES.blue],
            "SELECT count(*)::int AS n, count(DISTINCT order_id)::int AS distinct FROM public.orders WHERE facility_id = $1", [FACILITY_LA]);
        assert.deepStrictEqual(counts, { n: 250, distinct: 250 }, "0 lost, 0 duplicated");
    });
});
