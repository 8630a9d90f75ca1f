/**
 * The blue → green rollback drill, data side (tools/dr/rollback-drill.ts), on real PostgreSQL 16:
 * after green's writes drain and prepareSwitch returns, blue holds every change green committed.
 */
import * as assert from "assert";
import { runRollbackDrill } from "../../tools/dr/rollback-drill";

describe("blue/green rollback drill on real PostgreSQL (tools/dr)", function () {
    this.timeout(120_000);

    it("rolls back to blue with RPO 0: every change green committed is on blue, checksums equal", async () => {
        const r = await runRollbackDrill({ writesMs: 1500 });
        assert.ok(r.greenCommits > 100, `green committed only ${r.greenCommits} changes: the drill did not load it`);
        assert.strictEqual(r.differingRows, 0);
        assert.deepStrictEqual(r.products.blue, r.products.green);
        assert.ok(r.rtoMs >= r.prepareMs && r.prepareMs > 0);
    });
});
