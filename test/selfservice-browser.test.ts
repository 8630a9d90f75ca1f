/**
 * The self-service server in a real browser (Playwright's playwright-core driving Debian's
 * Chromium) over the real engine: the LA factory is lost, alice asks for its cloud fallback (a bad
 * value first: the field error), sees the preview, bob approves, the update runs and the
 * workspace's replication objects exist on embedded PostgreSQL afterwards.
 * Screenshots go to AGOGSAAS_SCREENSHOTS (docs/screenshots for the docs) or a temp directory.
 */
import * as assert from "assert";
import * as fs from "fs";
import type { Page } from "playwright-core";
import type { RequestStore } from "../tools/selfservice/requests";
import type { LocalDeployment } from "../tools/engine/local-deployment";
import { rows, takeOrders } from "../tools/demo/workload";
import { waitUntil } from "../tools/demo/wait";
import { FACILITY_LA, NODES } from "../stacks/local-topology";
import { SelfServiceHarness, startSelfServiceHarness } from "./support/selfservice-browser";

describe("self-service in Chromium on the real engine: cloud fallback requested, approved, applied", function () {
    this.timeout(600_000);
    let h: SelfServiceHarness;
    let d: LocalDeployment;
    let page: Page;
    let requests: RequestStore;
    const shot = (name: string) => h.shot(name);

    before(async () => {
        h = await startSelfServiceHarness({
            afterUp: async (deployment) => {
                await takeOrders(deployment.env.admin[NODES.edgeLa], FACILITY_LA, "BR", 50);
                assert.ok((await waitUntil(() => rows<{ n: number }>(deployment.env.admin[NODES.blue], "SELECT count(*)::int AS n FROM public.orders WHERE facility_id = $1", [FACILITY_LA]), (r) => r[0].n === 50, { timeoutMs: 20_000 })).ok);
                // The fire: LA's server and its disk are gone.
                const la = deployment.env.server("edge_la");
                await la.kill();
                fs.rmSync(la.dataDir, { recursive: true, force: true });
            },
        });
        ({ d, page, requests } = h);
    });
    after(async () => {
        await h?.close();
    });

    it("a bad value is shown next to its field, with the library's message, and nothing runs", async () => {
        await h.signIn("alice");
        await page.goto(`${h.base}/fallback`);
        assert.strictEqual(await page.textContent("#mode-edge_la"), "edge");
        await shot("fallback-form");
        await page.selectOption("#edge", "edge_la");
        await page.selectOption("#mode", "return");
        await page.selectOption("#disasterType", "fire");
        await page.fill("#description", "fire");
        await page.fill("#expectedDurationDays", "400");
        await page.click("#submit");
        assert.match(await page.textContent("#mode-error") ?? "", /edge_la is in mode "edge": the next step is "fallback", not "return"/);
        assert.match(await page.textContent("#description-error") ?? "", /must be 10–2000 characters, got 4/);
        assert.match(await page.textContent("#expectedDurationDays-error") ?? "", /from 1 to 365, got "400"/);
        await shot("field-errors");
        assert.deepStrictEqual(requests.list(), []);
    });

    it("a good request shows the engine's preview with the policy pack; the requester cannot approve it", async () => {
        await page.selectOption("#mode", "fallback");
        await page.fill("#description", "Fire in hall 2: the edge computer and its disk are destroyed");
        await page.fill("#expectedDurationDays", "30");
        await page.click("#submit", { timeout: 300_000 });
        await page.waitForSelector("#preview", { timeout: 300_000 });
        assert.strictEqual(await page.textContent("#status"), "awaiting-approval");
        const preview = await page.textContent("#preview") ?? "";
        assert.match(preview, /Policies:\s*\n\s*✅ agogsaas-sovereignty@/, "the policy pack ran and passed");
        assert.match(preview, /local-edge_la_fallback-db/);
        assert.match(preview, /edge_la-fallback-seed/);
        assert.strictEqual(await page.$("#approve"), null, "no approve button for alice");
        await shot("preview");
    });

    it("bob approves; the update streams into the page and the workspace's replication objects exist", async () => {
        await h.switchUser("bob");
        assert.strictEqual(await h.approveAndWait(), "applied", await page.textContent("#progress") ?? "");
        assert.match(await page.textContent("#progress") ?? "", /Resources:/);
        await shot("applied");

        const usEast = d.env.server("us_east");
        const [pub] = await usEast.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_publication WHERE pubname = 'mesh_edge_la_fallback_to_us_east_blue'", [], "edge_la_fallback");
        assert.strictEqual(pub.n, 1, "the workspace publishes LA's rows");
        const [sub] = await usEast.query<{ enabled: boolean }>("SELECT subenabled AS enabled FROM pg_subscription WHERE subname = 'mesh_edge_la_fallback_to_us_east_blue'", [], "app_blue");
        assert.strictEqual(sub.enabled, true, "blue subscribes to the workspace");
        const [orders] = await usEast.query<{ n: number }>("SELECT count(*)::int AS n FROM public.orders WHERE facility_id = $1", [FACILITY_LA], "edge_la_fallback");
        assert.strictEqual(orders.n, 50, "the workspace holds LA's orders");
        assert.deepStrictEqual(requests.auditLog().map((e) => `${e.user} ${e.action}`), ["alice login", "alice request", "alice logout", "bob login", "bob approve", "bob applied"]);
    });
});
