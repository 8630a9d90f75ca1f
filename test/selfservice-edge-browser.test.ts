/**
 * The new-edge form in a real browser (Playwright's playwright-core driving Debian's Chromium) over
 * the real engine: alice requests an edge computer for a Seattle factory (bad values first: the
 * field errors, a German address for a US region refused as a sovereignty error), sees the
 * preview with the policy pack, bob approves while the site's server is still offline (the update
 * fails with the engine's error), then again once it is online: the update joins it to us-east,
 * and its orders reach blue and green on embedded PostgreSQL.
 * Screenshots go to AGOGSAAS_SCREENSHOTS (docs/screenshots for the docs) or a temp directory.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as YAML from "yaml";
import type { Page } from "playwright-core";
import type { Deployer } from "../tools/selfservice/deployer";
import type { RequestStore } from "../tools/selfservice/requests";
import type { LocalTarget } from "../tools/selfservice/local-target";
import type { LocalDeployment } from "../tools/engine/local-deployment";
import { rows, takeOrders } from "../tools/demo/workload";
import { waitUntil } from "../tools/demo/wait";
import { NODES } from "../stacks/local-topology";
import { parseLocalConfig } from "../stacks/local";
import { SelfServiceHarness, startSelfServiceHarness } from "./support/selfservice-browser";

const SITE = "facility-sea-001";

describe("self-service in Chromium on the real engine: a new edge requested, approved, joined to its region", function () {
    this.timeout(600_000);
    let h: SelfServiceHarness;
    let d: LocalDeployment;
    let target: LocalTarget;
    let page: Page;
    let requests: RequestStore;
    const shot = (name: string) => h.shot(name);
    const fill = async (values: Record<string, string>) => {
        for (const [field, value] of Object.entries(values)) {
            if (["region", "vpnType", "size"].includes(field)) await page.selectOption(`#${field}`, value);
            else await page.fill(`#${field}`, value);
        }
    };
    /** The port the request gave the site's server. */
    const sitePort = () => requests.list()[0].edge!.port;
    const good = {
        id: SITE, name: "Acme Metalworks Seattle", region: "us-east", street: "1201 Alaskan Way", city: "Seattle", postalCode: "98101", country: "US",
        subnet: "10.42.0.0/24", vpnType: "wireguard", size: "medium", contactName: "Dana Ito", contactEmail: "dana.ito@acme.example", contactPhone: "+1 206 555 0142",
    };

    before(async () => {
        // The first update finds the new edge computer offline: its server is started (as the tool does) and stopped again.
        let offline = true;
        const deployerFor = (t: LocalTarget) => (configFile: string): Deployer => {
            const deployer = t.deployerFor(configFile);
            return {
                preview: (onOutput) => deployer.preview(onOutput),
                up: async (onOutput) => {
                    if (offline) {
                        offline = false;
                        await t.siteServers.ensure(parseLocalConfig(await t.stackConfig.read(configFile)).sites);
                        await t.siteServers.server(SITE).stop();
                    }
                    return deployer.up(onOutput);
                },
            };
        };
        h = await startSelfServiceHarness({ deployerFor });
        ({ d, target, page, requests } = h);
    });
    after(async () => {
        await h?.close();
    });

    it("bad values are shown next to their fields with the library's messages; an address outside the region's zone is refused", async () => {
        await h.signIn("alice");
        await page.goto(`${h.base}/edge`);
        await shot("edge-form");
        await fill({ ...good, country: "DE", subnet: "8.8.8.0/24", contactPhone: "555-0142" });
        await page.click("#submit");
        await page.waitForSelector("#country-error");
        assert.strictEqual(await page.textContent("#country-error"),
            `a facility in DE belongs to zone "eu" (European Union / EEA (GDPR)) and cannot report to a region of zone "us": its operational data would leave its zone. Allowed: a country of zone "us" (US, PR, GU, VI, AS, MP), or a region of zone "eu"`);
        assert.match(await page.textContent("#subnet-error") ?? "", /^8\.8\.8\.0\/24 is not a private network/);
        assert.match(await page.textContent("#contactPhone-error") ?? "", /Allowed: E\.164/);
        assert.strictEqual(await page.$("#id-error"), null, "a good field has no error");
        assert.strictEqual(await page.inputValue("#street"), good.street, "the values typed are kept");
        await shot("edge-field-errors");
        assert.deepStrictEqual(requests.list(), []);
        assert.strictEqual(target.siteServers.ids().length, 0, "no edge computer was started");
    });

    it("a good request shows the engine's preview with the policy pack: the site's database and both flows; the requester cannot approve", async () => {
        await fill({ country: good.country, subnet: good.subnet, contactPhone: good.contactPhone });
        await page.click("#submit", { timeout: 300_000 });
        await page.waitForSelector("#preview", { timeout: 300_000 });
        assert.strictEqual(await page.textContent("#status"), "awaiting-approval", await page.textContent("#preview-result") ?? "");
        const preview = await page.textContent("#preview") ?? "";
        assert.match(preview, /Policies:\s*\n\s*✅ agogsaas-sovereignty@/, "the policy pack ran and passed");
        assert.match(preview, /local-site_sea_001-db/);
        assert.match(preview, /mesh_site_sea_001_to_us_east_blue/);
        assert.match(preview, /mesh_us_east_blue_to_site_sea_001/);
        assert.doesNotMatch(preview, /dana\.ito/, "the IT contact is not in the preview");
        assert.strictEqual(await page.$("#approve"), null, "no approve button for alice");
        await shot("edge-preview");
    });

    it("bob approves while the edge computer is offline: the update fails with the engine's error and the stack's config is unchanged", async () => {
        await h.switchUser("bob");
        assert.strictEqual(await h.approveAndWait(), "failed", await page.textContent("#progress") ?? "");
        await page.reload();
        // The engine lists the failed resource and the stack in either order.
        const error = await page.textContent("#up-error") ?? "";
        assert.ok(error.includes(`agogsaas:postgres:Database (local-site_sea_001-db):\n    error: connect ECONNREFUSED 127.0.0.1:${sitePort()}`), `the engine's diagnostics name the site's database: ${error}`);
        assert.doesNotMatch(error, /Outputs:|stdout/, "the diagnostics only, not the whole command output");
        await shot("edge-failed");
        assert.strictEqual((YAML.parse(fs.readFileSync(d.configFile, "utf8")) as { config: Record<string, unknown> }).config["agogsaas:localSites"], undefined);
    });

    it("once it is online, approving again converges: the update joins it to us-east and its orders reach blue and green", async () => {
        await target.siteServers.server(SITE).start();
        assert.strictEqual(await h.approveAndWait(), "applied", await page.textContent("#progress") ?? "");
        assert.match(await page.textContent("#progress") ?? "", /Resources:/);
        await shot("edge-applied");

        assert.deepStrictEqual(target.siteServers.ids(), [SITE]);
        const site = target.siteServers.server(SITE);
        const [pub] = await site.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_publication WHERE pubname = 'mesh_site_sea_001_to_us_east_blue'", [], "factory");
        assert.strictEqual(pub.n, 1, "the site publishes its operational rows");
        const [master] = await site.query<{ enabled: boolean }>("SELECT subenabled AS enabled FROM pg_subscription WHERE subname = 'mesh_us_east_blue_to_site_sea_001'", [], "factory");
        assert.strictEqual(master?.enabled, true, "the site subscribes to blue's master data");
        const [sub] = await d.env.server("us_east").query<{ enabled: boolean }>("SELECT subenabled AS enabled FROM pg_subscription WHERE subname = 'mesh_site_sea_001_to_us_east_blue'", [], "app_blue");
        assert.strictEqual(sub?.enabled, true, "blue subscribes to the site");

        await takeOrders(site.connection("factory"), SITE, "SEA", 40);
        for (const node of [NODES.blue, NODES.green]) {
            const arrived = await waitUntil(() => rows<{ n: number }>(d.env.admin[node], "SELECT count(*)::int AS n FROM public.orders WHERE facility_id = $1", [SITE]), (r) => r[0].n === 40, { timeoutMs: 30_000 });
            assert.ok(arrived.ok, `${node}: the site's 40 orders arrive (${JSON.stringify(arrived.value)})`);
        }

        const config = YAML.parse(fs.readFileSync(d.configFile, "utf8")) as { config: Record<string, { id: string; site: { itContact: Record<string, unknown> } }[]> };
        const [entry] = config.config["agogsaas:localSites"];
        assert.strictEqual(entry.id, SITE, "the stack's config now holds the site");
        assert.ok(typeof (entry.site.itContact.email as { secure?: string }).secure === "string", "its e-mail as a Pulumi secret");
        const state = JSON.stringify(await d.stack.exportState());
        assert.ok(!state.includes("dana.ito@acme.example") && !state.includes("+12065550142"), "no personal data in clear in the state");
        const outputs = await d.stack.outputs() as { sites: Record<string, { itContact: { email: string } }> };
        assert.strictEqual(outputs.sites[SITE].itContact.email, "dana.ito@acme.example", "the output holds it, decrypted only with --show-secrets");
        assert.deepStrictEqual(requests.auditLog().map((e) => `${e.user} ${e.action}`), ["alice login", "alice request", "alice logout", "bob login", "bob approve", "bob failed", "bob approve", "bob applied"]);
    });
});
