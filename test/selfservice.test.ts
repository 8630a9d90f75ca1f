/**
 * The self-service server's rules over HTTP (fastify inject): sign-in, CSRF, the form's field
 * errors, the second-account approval, the audit log, a failed update and its retry. Pulumi is a
 * recording Deployer here, but config files are read and their secrets written by the real engine's
 * CLI (an empty `local` stack on a temp file backend); test/selfservice-browser.test.ts and
 * test/selfservice-edge-browser.test.ts drive the real engine from Chromium.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { FastifyInstance } from "fastify";
import { AccountStore, hashAccount } from "../tools/selfservice/accounts";
import { Deployer, OperationResult, engineError } from "../tools/selfservice/deployer";
import { RequestStore } from "../tools/selfservice/requests";
import { buildServer } from "../tools/selfservice/server";
import { LOCAL_CONFIG_FILE } from "../tools/engine/local-stack";
import { LOCAL_PASSPHRASE, ensureStack } from "../tools/engine/cli";
import { EngineStackConfig } from "../tools/selfservice/stack-config";

const PASSWORD = "correct horse battery";

/** `localEdgeModes` as a config file holds it (undefined when the file does not set it). */
function modesIn(file: string): unknown {
    return (YAML.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config["agogsaas:localEdgeModes"];
}

/** `localSites` as a config file holds it. */
function sitesIn(file: string): unknown {
    return (YAML.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config["agogsaas:localSites"];
}

class RecordingDeployer implements Deployer {
    static calls: { op: string; modes: unknown; sites?: unknown }[] = [];
    static upResult: OperationResult = { ok: true, output: "Updating (local)\n+ created\n", changes: { create: 9 } };
    static previewResult: OperationResult | Error = { ok: true, output: "Previewing update (local)\n+ 9 to create\n", changes: { create: 9, same: 33 } };
    constructor(private readonly configFile: string) {}
    private modes() {
        return modesIn(this.configFile);
    }
    async preview() {
        const sites = sitesIn(this.configFile);
        RecordingDeployer.calls.push({ op: "preview", modes: this.modes(), ...(sites === undefined ? {} : { sites }) });
        if (RecordingDeployer.previewResult instanceof Error) throw RecordingDeployer.previewResult;
        return RecordingDeployer.previewResult;
    }
    async up(onOutput?: (chunk: string) => void) {
        RecordingDeployer.calls.push({ op: "up", modes: this.modes() });
        onOutput?.("Updating (local)\n");
        return RecordingDeployer.upResult;
    }
}

/** A browser-like client: keeps the session cookie, reads the CSRF token from the last page. */
class Client {
    cookie = "";
    csrf = "";
    constructor(private readonly app: FastifyInstance) {}
    async request(method: "GET" | "POST", url: string, form?: Record<string, string>, withCsrf = true) {
        const payload = form ? new URLSearchParams({ ...(withCsrf ? { _csrf: this.csrf } : {}), ...form }).toString() : undefined;
        const response = await this.app.inject({
            method, url, payload,
            headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(payload ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
        });
        const set = response.headers["set-cookie"];
        if (set) this.cookie = (Array.isArray(set) ? set : [set]).map((c) => c.split(";")[0]).join("; ");
        const token = /name="_csrf" value="([^"]+)"/.exec(response.body);
        if (token) this.csrf = token[1];
        return response;
    }
    async signIn(name: string, password = PASSWORD) {
        await this.request("GET", "/login");
        return this.request("POST", "/login", { name, password });
    }
}

/** A server over a copy of Pulumi.local.yaml with accounts alice, carol (requesters) and bob (approver), and a fresh recording deployer. */
async function startTestServer(stackConfig: EngineStackConfig, sitePort?: () => Promise<number>) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-selfservice-"));
    const configFile = path.join(dir, "Pulumi.local.yaml");
    fs.copyFileSync(LOCAL_CONFIG_FILE, configFile);
    const accounts = new AccountStore(path.join(dir, "accounts.json"));
    accounts.put(hashAccount("alice", "requester", PASSWORD));
    accounts.put(hashAccount("carol", "requester", PASSWORD));
    accounts.put(hashAccount("bob", "approver", PASSWORD));
    const requests = new RequestStore(path.join(dir, "data"));
    RecordingDeployer.calls = [];
    RecordingDeployer.upResult = { ok: true, output: "Updating (local)\n", changes: { create: 9 } };
    RecordingDeployer.previewResult = { ok: true, output: "Previewing update (local)\n+ 9 to create\n", changes: { create: 9, same: 33 } };
    const app = await buildServer({ accounts, requests, configFile, deployerFor: (file) => new RecordingDeployer(file), stackConfig, sitePort, sessionSecret: "x".repeat(40) });
    /** Waits until no request is being applied. */
    const settle = async () => { for (let i = 0; i < 50 && requests.list().some((r) => r.status === "applying"); i++) await new Promise((r) => setTimeout(r, 20)); };
    const close = async () => {
        await app.close();
        fs.rmSync(dir, { recursive: true, force: true });
    };
    return { dir, configFile, requests, app, settle, close };
}

/** One empty `local` stack on a temp backend: its passphrase provider encrypts the secrets the edge form writes. */
async function startTestStack() {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-selfservice-state-"));
    await ensureStack("local", { stateDir, passphrase: LOCAL_PASSPHRASE }, LOCAL_CONFIG_FILE);
    return { stackConfig: new EngineStackConfig({ stack: "local", stateDir }), remove: () => fs.rmSync(stateDir, { recursive: true, force: true }) };
}

describe("self-service server: rules over HTTP", function () {
    this.timeout(60_000);
    let dir: string;
    let stackConfig: EngineStackConfig;
    let app: FastifyInstance;
    let requests: RequestStore;
    let configFile: string;
    const goodForm = { edge: "edge_la", mode: "fallback", disasterType: "fire", description: "Fire in hall 2, edge computer destroyed", expectedDurationDays: "30" };

    let stack: Awaited<ReturnType<typeof startTestStack>>;
    let server: Awaited<ReturnType<typeof startTestServer>>;
    let settle: () => Promise<void>;
    before(async () => {
        stack = await startTestStack();
        stackConfig = stack.stackConfig;
    });
    after(() => stack.remove());

    let nextPort = 54790;
    beforeEach(async () => {
        nextPort = 54790;
        server = await startTestServer(stackConfig, async () => nextPort++);
        ({ dir, configFile, requests, app, settle } = server);
    });
    afterEach(() => server.close());

    it("no route changes anything without a session: pages redirect to sign-in, POSTs are refused", async () => {
        const anonymous = new Client(app);
        for (const url of ["/", "/edge", "/fallback", "/requests/x"]) {
            const response = await anonymous.request("GET", url);
            assert.strictEqual(response.statusCode, 303, url);
            assert.strictEqual(response.headers.location, "/login");
        }
        for (const url of ["/edge", "/fallback", "/requests/x/approve", "/logout"]) {
            const response = await anonymous.request("POST", url, goodForm);
            assert.ok(response.statusCode === 401 || response.statusCode === 403, `${url}: ${response.statusCode}`);
        }
        assert.deepStrictEqual(requests.list(), []);
        assert.deepStrictEqual(RecordingDeployer.calls, []);
    });

    it("a wrong password is refused and audited; a POST without the CSRF token is refused", async () => {
        const c = new Client(app);
        const refused = await c.signIn("alice", "not the password");
        assert.strictEqual(refused.statusCode, 401);
        assert.match(refused.body, /Unknown user or wrong password/);
        assert.strictEqual((await c.signIn("alice")).statusCode, 303);
        await c.request("GET", "/fallback");
        const noToken = await c.request("POST", "/fallback", goodForm, false);
        assert.strictEqual(noToken.statusCode, 403);
        assert.deepStrictEqual(requests.list(), []);
        assert.deepStrictEqual(requests.auditLog().map((e) => `${e.user} ${e.action}`), ["alice login-refused", "alice login"]);
    });

    it("bad values come back as errors next to their fields, with the library's messages; nothing is previewed", async () => {
        const c = new Client(app);
        await c.signIn("alice");
        await c.request("GET", "/fallback");
        const bad = await c.request("POST", "/fallback", { ...goodForm, mode: "burning", disasterType: "meteor", description: "short", expectedDurationDays: "0" });
        assert.strictEqual(bad.statusCode, 400);
        assert.match(bad.body, /id="mode-error">&quot;burning&quot; is not a facility mode\. Allowed: &quot;edge&quot;, &quot;fallback&quot; or &quot;return&quot;/);
        assert.match(bad.body, /id="disasterType-error">/);
        assert.match(bad.body, /id="description-error">must be 10–2000 characters, got 5/);
        assert.match(bad.body, /id="expectedDurationDays-error">/);
        const order = await c.request("POST", "/fallback", { ...goodForm, mode: "return" });
        assert.match(order.body, /id="mode-error">edge_la is in mode &quot;edge&quot;: the next step is &quot;fallback&quot;, not &quot;return&quot;/);
        assert.deepStrictEqual(requests.list(), []);
        assert.deepStrictEqual(RecordingDeployer.calls, []);
    });

    it("a good request is previewed on its own config; only a second account, an approver, can apply it", async () => {
        const alice = new Client(app);
        await alice.signIn("alice");
        await alice.request("GET", "/fallback");
        const created = await alice.request("POST", "/fallback", goodForm);
        assert.strictEqual(created.statusCode, 303);
        const [change] = requests.list();
        assert.strictEqual(change.status, "awaiting-approval");
        assert.deepStrictEqual(RecordingDeployer.calls, [{ op: "preview", modes: { edge_la: "fallback", edge_fra: "edge" } }]);
        assert.strictEqual(modesIn(configFile), undefined, "the stack's config is unchanged until applied");
        const page = await alice.request("GET", created.headers.location as string);
        assert.match(page.body, /id="preview"/);
        assert.doesNotMatch(page.body, /id="approve"/, "no approve button for the requester");

        const own = await alice.request("POST", `/requests/${change.id}/approve`, {});
        assert.strictEqual(own.statusCode, 403);
        assert.match(own.body, /nobody approves their own request/);
        const carol = new Client(app);
        await carol.signIn("carol");
        await carol.request("GET", `/requests/${change.id}`);
        assert.match((await carol.request("POST", `/requests/${change.id}/approve`, {})).body, /only an approver may approve/);
        assert.deepStrictEqual(RecordingDeployer.calls.map((c) => c.op), ["preview"]);

        const bob = new Client(app);
        await bob.signIn("bob");
        assert.match((await bob.request("GET", `/requests/${change.id}`)).body, /id="approve"/);
        assert.strictEqual((await bob.request("POST", `/requests/${change.id}/approve`, {})).statusCode, 303);
        await settle();
        const applied = requests.get(change.id)!;
        assert.strictEqual(applied.status, "applied");
        assert.strictEqual(applied.approvedBy, "bob");
        assert.deepStrictEqual(modesIn(configFile), { edge_la: "fallback", edge_fra: "edge" });
        assert.deepStrictEqual(requests.auditLog().map((e) => `${e.user} ${e.action}`), [
            "alice login", "alice request", "alice refused", "carol login", "carol refused", "bob login", "bob approve", "bob applied",
        ]);
    });

    it("a failed update shows the engine's error, leaves the stack's config as it was, and may be approved again", async () => {
        RecordingDeployer.upResult = { ok: false, output: "Updating (local)\n", error: "error: update failed: connection refused" };
        const alice = new Client(app);
        await alice.signIn("alice");
        await alice.request("GET", "/fallback");
        await alice.request("POST", "/fallback", goodForm);
        const [change] = requests.list();
        const bob = new Client(app);
        await bob.signIn("bob");
        await bob.request("GET", `/requests/${change.id}`);
        await bob.request("POST", `/requests/${change.id}/approve`, {});
        await settle();
        assert.strictEqual(requests.get(change.id)!.status, "failed");
        const page = await bob.request("GET", `/requests/${change.id}`);
        assert.match(page.body, /id="up-error">error: update failed: connection refused/);
        assert.strictEqual(modesIn(configFile), undefined);
        RecordingDeployer.upResult = { ok: true, output: "ok\n", changes: { create: 9 } };
        await bob.request("POST", `/requests/${change.id}/approve`, {});
        await settle();
        assert.strictEqual(requests.get(change.id)!.status, "applied");
        assert.deepStrictEqual(RecordingDeployer.calls.map((c) => c.op), ["preview", "up", "up"]);
    });

    const goodEdge = {
        id: "facility-sea-001", name: "Acme Metalworks Seattle", region: "us-east", street: "1201 Alaskan Way", city: "Seattle", postalCode: "98101", country: "US",
        subnet: "10.42.0.0/24", vpnType: "wireguard", size: "medium", contactName: "Dana Ito", contactEmail: "dana.ito@acme.example", contactPhone: "+1 (206) 555-0142",
    };
    /** The contact's e-mail and phone as typed and as stored: none may appear in clear anywhere but the program's view. */
    const personal = ["dana.ito@acme.example", "+1 (206) 555-0142", "+12065550142", "2065550142"];

    it("new edge: every bad value next to its field with the library's message, the country checked against the region, nothing previewed", async () => {
        const c = new Client(app);
        await c.signIn("alice");
        await c.request("GET", "/edge");
        const bad = await c.request("POST", "/edge", { ...goodEdge, id: "Seattle", subnet: "8.8.8.0/24", vpnType: "pptp", contactPhone: "555-0142", contactEmail: "dana" });
        assert.strictEqual(bad.statusCode, 400);
        assert.match(bad.body, /id="subnet-error">8\.8\.8\.0\/24 is not a private network/);
        assert.match(bad.body, /id="vpnType-error">&quot;pptp&quot; is not a VPN type\. Allowed: &quot;wireguard&quot; or &quot;ipsec&quot;/);
        assert.match(bad.body, /id="contactPhone-error">must be 8-16 characters, got 7\. Allowed: E\.164/);
        assert.match(bad.body, /id="contactEmail-error">is not valid\. Allowed: an e-mail address/);
        assert.match(bad.body, /value="Seattle"/, "the values typed are kept");
        const id = await c.request("POST", "/edge", { ...goodEdge, id: "Seattle" });
        assert.match(id.body, /id="id-error">&quot;Seattle&quot; is not a valid facility id/);
        const sovereignty = await c.request("POST", "/edge", { ...goodEdge, country: "DE" });
        assert.strictEqual(sovereignty.statusCode, 400);
        assert.match(sovereignty.body, /id="country-error">a facility in DE belongs to zone &quot;eu&quot; \(European Union \/ EEA \(GDPR\)\) and cannot report to a region of zone &quot;us&quot;: its operational data would leave its zone/);
        const taken = await c.request("POST", "/edge", { ...goodEdge, id: "facility-la-001" });
        assert.match(taken.body, /id="id-error">facility-la-001 is already a facility of this stack/);
        assert.deepStrictEqual(requests.list(), []);
        assert.deepStrictEqual(RecordingDeployer.calls, []);
        assert.strictEqual(sitesIn(configFile), undefined);
    });

    it("new edge: the request's config holds the site with the IT contact's e-mail and phone as Pulumi secrets; applied after a second account approves", async () => {
        const alice = new Client(app);
        await alice.signIn("alice");
        await alice.request("GET", "/edge");
        const created = await alice.request("POST", "/edge", goodEdge);
        assert.strictEqual(created.statusCode, 303, created.body.slice(0, 400));
        const [change] = requests.list();
        assert.strictEqual(change.kind, "edge");
        assert.strictEqual(change.status, "awaiting-approval");
        const candidate = fs.readFileSync(change.configFile, "utf8");
        for (const value of personal) assert.ok(!candidate.includes(value), `${value} not in clear in the config file`);
        const [written] = sitesIn(change.configFile) as { site: { itContact: Record<string, unknown> } }[];
        assert.strictEqual(written.site.itContact.name, "Dana Ito");
        assert.match(String((written.site.itContact.email as { secure?: string }).secure), /^v1:/);
        assert.match(String((written.site.itContact.phone as { secure?: string }).secure), /^v1:/);
        const read = JSON.parse((await stackConfig.read(change.configFile))["agogsaas:localSites"]!) as { site: { itContact: unknown } }[];
        assert.deepStrictEqual(read[0].site.itContact, { name: "Dana Ito", email: "dana.ito@acme.example", phone: "+12065550142" }, "the program reads them decrypted");
        assert.strictEqual(RecordingDeployer.calls.length, 1);
        assert.strictEqual(RecordingDeployer.calls[0].op, "preview");
        assert.deepStrictEqual((RecordingDeployer.calls[0].sites as { id: string; port: number }[]).map((site) => [site.id, site.port]), [["facility-sea-001", 54790]]);
        for (const file of ["requests.json", "audit.jsonl"]) {
            const text = fs.readFileSync(path.join(dir, "data", file), "utf8");
            for (const value of personal) assert.ok(!text.includes(value), `${value} not in ${file}`);
        }
        for (const value of personal) assert.ok(!(await alice.request("GET", `/requests/${change.id}`)).body.includes(value), `${value} not on the request page`);
        assert.strictEqual(sitesIn(configFile), undefined, "the stack's config is unchanged until applied");
        assert.doesNotMatch((await alice.request("GET", `/requests/${change.id}`)).body, /id="approve"/);

        const bob = new Client(app);
        await bob.signIn("bob");
        await bob.request("GET", `/requests/${change.id}`);
        assert.strictEqual((await bob.request("POST", `/requests/${change.id}/approve`, {})).statusCode, 303);
        await settle();
        assert.strictEqual(requests.get(change.id)!.status, "applied");
        assert.strictEqual(fs.readFileSync(configFile, "utf8"), candidate, "the applied config is the previewed one");
    });

    it("a request previewed against a config the stack no longer has is not applied; a full region is refused above the form", async () => {
        const alice = new Client(app);
        await alice.signIn("alice");
        await alice.request("GET", "/edge");
        await alice.request("POST", "/edge", goodEdge);
        await alice.request("POST", "/edge", { ...goodEdge, id: "facility-tac-001", subnet: "10.44.0.0/24" });
        const [first, second] = requests.list();
        const bob = new Client(app);
        await bob.signIn("bob");
        await bob.request("GET", `/requests/${first.id}`);
        await bob.request("POST", `/requests/${first.id}/approve`, {});
        await settle();
        assert.strictEqual(requests.get(first.id)!.status, "applied");
        await bob.request("GET", `/requests/${second.id}`);
        const stale = await bob.request("POST", `/requests/${second.id}/approve`, {});
        assert.strictEqual(stale.statusCode, 403);
        assert.match(stale.body, /the stack changed after this request was previewed \(its config, or another update\): request it again/);
        assert.strictEqual(requests.get(second.id)!.status, "awaiting-approval");

        // Requested again on the new config: applied, and the region (capacity for two sites) is full.
        await alice.request("GET", "/edge");
        await alice.request("POST", "/edge", { ...goodEdge, id: "facility-tac-001", subnet: "10.44.0.0/24" });
        const third = requests.list()[2];
        await bob.request("GET", `/requests/${third.id}`);
        await bob.request("POST", `/requests/${third.id}/approve`, {});
        await settle();
        assert.strictEqual(requests.get(third.id)!.status, "applied");
        assert.deepStrictEqual((sitesIn(configFile) as { id: string }[]).map((site) => site.id), ["facility-sea-001", "facility-tac-001"]);
        await alice.request("GET", "/edge");
        const full = await alice.request("POST", "/edge", { ...goodEdge, id: "facility-spo-001", subnet: "10.45.0.0/24" });
        assert.strictEqual(full.statusCode, 400);
        assert.match(full.body, /id="form-error">agogsaas:localSites: 3 sites report to us-east, whose server was started with replication capacity for 2/);
        assert.strictEqual(requests.list().length, 3);
    });
});

describe("self-service: requests that must not be applied", function () {
    this.timeout(60_000);
    let app: FastifyInstance;
    let requests: RequestStore;
    let stack: Awaited<ReturnType<typeof startTestStack>>;
    let server: Awaited<ReturnType<typeof startTestServer>>;
    let settle: () => Promise<void>;
    const fallback = (edge: string) => ({ edge, mode: "fallback", disasterType: "flood", description: "Flood in the basement, edge computer lost", expectedDurationDays: "14" });

    before(async () => { stack = await startTestStack(); });
    after(() => stack.remove());
    beforeEach(async () => {
        server = await startTestServer(stack.stackConfig);
        ({ requests, app, settle } = server);
    });
    afterEach(() => server.close());
    const approve = async (bob: Client, id: string) => {
        await bob.request("GET", `/requests/${id}`);
        const response = await bob.request("POST", `/requests/${id}/approve`, {});
        await settle();
        return response;
    };

    it("a failed or crashed preview leaves a request nobody can approve", async () => {
        const alice = new Client(app);
        await alice.signIn("alice");
        await alice.request("GET", "/fallback");
        RecordingDeployer.previewResult = { ok: false, output: "", error: "error: preview failed" };
        await alice.request("POST", "/fallback", fallback("edge_la"));
        RecordingDeployer.previewResult = new Error("the engine could not start");
        await alice.request("POST", "/fallback", fallback("edge_fra"));
        const [failed, crashed] = requests.list();
        assert.deepStrictEqual([failed.status, crashed.status], ["preview-failed", "preview-failed"]);
        assert.strictEqual(crashed.preview?.error, "the engine could not start");
        const bob = new Client(app);
        await bob.signIn("bob");
        for (const change of [failed, crashed]) {
            assert.doesNotMatch((await bob.request("GET", `/requests/${change.id}`)).body, /id="approve"/);
            const refused = await approve(bob, change.id);
            assert.strictEqual(refused.statusCode, 403);
            assert.match(refused.body, /the request is preview-failed/);
        }
        assert.deepStrictEqual(RecordingDeployer.calls.map((c) => c.op), ["preview", "preview"]);
    });

    it("a failed update makes the other pending requests stale, while the failed one may be approved again", async () => {
        const alice = new Client(app);
        await alice.signIn("alice");
        await alice.request("GET", "/fallback");
        await alice.request("POST", "/fallback", fallback("edge_la"));
        await alice.request("POST", "/fallback", fallback("edge_fra"));
        const [la, fra] = requests.list();
        const bob = new Client(app);
        await bob.signIn("bob");
        RecordingDeployer.upResult = { ok: false, output: "", error: "error: 3 resources created, then connection refused" };
        await approve(bob, la.id);
        assert.strictEqual(requests.get(la.id)!.status, "failed");
        const stale = await approve(bob, fra.id);
        assert.strictEqual(stale.statusCode, 403, "its preview predates the partial update");
        assert.match(stale.body, /the stack changed after this request was previewed/);
        RecordingDeployer.upResult = { ok: true, output: "", changes: { create: 9 } };
        await approve(bob, la.id);
        assert.strictEqual(requests.get(la.id)!.status, "applied");
        assert.deepStrictEqual(RecordingDeployer.calls.map((c) => c.op), ["preview", "preview", "up", "up"]);
    });
});

describe("self-service: the engine's error of a failed operation", () => {
    it("is the Diagnostics section of the engine's output, else the first line of the error", () => {
        const output = [
            "Updating (local):", " +  agogsaas:postgres:Database local-site_sea_001-db creating (0s) error: connect ECONNREFUSED 127.0.0.1:36961",
            "Diagnostics:", "  pulumi:pulumi:Stack (agogsaas-local):", "    error: update failed", "",
            "  agogsaas:postgres:Database (local-site_sea_001-db):", "    error: connect ECONNREFUSED 127.0.0.1:36961", "",
            "Outputs:", "    servers: {}", "Resources:", "    6 unchanged",
        ].join("\n");
        assert.strictEqual(engineError(output, new Error("code: -2\n stdout: everything again")),
            "pulumi:pulumi:Stack (agogsaas-local):\n    error: update failed\n  agogsaas:postgres:Database (local-site_sea_001-db):\n    error: connect ECONNREFUSED 127.0.0.1:36961");
        assert.strictEqual(engineError("Updating (local):\n", new Error("failed to get lock\nmore")), "failed to get lock");
    });
});
