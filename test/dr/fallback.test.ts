/**
 * The cloud fallback cycle (tools/dr/fallback-drill.ts) on the real Pulumi engine and embedded
 * PostgreSQL 16: edge writes → edge lost → mode fallback → writes in the cloud → new edge →
 * mode return → mode edge, then every copy compared. No timing asserted (the figures go to docs/dr.md).
 */
import * as assert from "assert";
import { FallbackDrillReport, runFallbackDrill } from "../../tools/dr/fallback-drill";

describe("cloud fallback drill on the real engine (tools/dr)", function () {
    this.timeout(600_000);
    let r: FallbackDrillReport;

    before(async () => {
        r = await runFallbackDrill({ ordersBeforeLoss: 300, lastWritesMs: 300, cloudOrders: 150 });
    });

    it("fallback: the workspace holds every order the region had, nothing older than 1 s is lost", () => {
        assert.ok(r.committedBeforeLoss >= 300, `the writer committed ${r.committedBeforeLoss}`);
        // Replication is asynchronous: what the edge committed in its last instant may be lost (RPO = lag).
        assert.ok(r.rpoSeconds <= 1, `RPO ${r.rpoSeconds} s`);
        assert.strictEqual(r.seededOrders, r.committedBeforeLoss - r.lostOrders, "seeded = committed - lost");
        assert.match(r.workspaceUrl, /^postgres:\/\/edge_la_app@127\.0\.0\.1:\d+\/edge_la_fallback$/);
        assert.strictEqual(r.loginMayNotWriteMasterData, true, "the facility login writes operational rows only");
        // The fallback creates the workspace and its objects; the only update disables blue's subscription to the lost edge.
        assert.strictEqual(r.ups.fallback.updated, 1, JSON.stringify(r.ups.fallback));
        assert.strictEqual(r.ups.fallback.deleted, undefined);
        assert.strictEqual(r.ups.fallback.replaced, undefined);
    });

    it("return: every order the cloud committed (also during the return) is on the new edge, blue and green", () => {
        assert.ok(r.cloudOrders > 150, `cloud orders ${r.cloudOrders}: the writer during the return committed none`);
        assert.strictEqual(r.cloudOrdersMissing, 0);
        assert.strictEqual(r.seededIntoNewEdge, r.seededOrders + r.cloudOrders, "the new edge got the region's copy of every order");
        assert.strictEqual(r.workspaceRemoved, true);
        assert.strictEqual(r.ups.return.replaced, undefined, JSON.stringify(r.ups.return));
    });

    it("normal mode: edge priority restored, nothing duplicated, count and checksum equal on the edge and both colours", () => {
        assert.strictEqual(r.edgePriorityRestored, true);
        assert.strictEqual(r.duplicateOrders, 0);
        assert.deepStrictEqual(r.ups.normal, { deleted: 2, unchanged: 33 }, "only the return's seeding record goes; the rest is the normal stack");
        for (const table of [r.final.orders, r.final.products]) {
            assert.ok(table[0].count > 0);
            for (const digest of table) assert.deepStrictEqual([digest.count, digest.md5], [table[0].count, table[0].md5], `${digest.node} ${digest.table}`);
        }
        assert.strictEqual(r.final.orders[0].count, r.seededIntoNewEdge + 100);
    });
});
