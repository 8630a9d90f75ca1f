/**
 * The self-service server's rules over HTTP (fastify inject): sign-in, CSRF, the form's field
 * errors, the second-account approval, the audit log, a failed update and its retry. Pulumi is a
 * recording Deployer here; test/selfservice-browser.test.ts drives the real engine from Chromium.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { FastifyInstance } from "fastify";
import { AccountStore, hashAccount } from "../tools/selfservice/accounts";
import type { Deployer, OperationResult } from "../tools/selfservice/deployer";
import { RequestStore } from "../tools/selfservice/requests";
import { buildServer } from "../tools/selfservice/server";
import { LOCAL_CONFIG_FILE } from "../tools/engine/local-stack";

const PASSWORD = "correct horse battery";

/** `localEdgeModes` as a config file holds it (undefined when the file does not set it). */
function modesIn(file: string): unknown {
    return (YAML.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config["agogsaas:localEdgeModes"];
}

class RecordingDeployer implements Deployer {
    static calls: { op: string; modes: unknown }[] = [];
    static upResult: OperationResult = { ok: true, output: "Updating (local)\n+ created\n", changes: { create: 9 } };
    constructor(private readonly configFile: string) {}
    private modes() {
        return modesIn(this.configFile);
    }
    async preview() {
        RecordingDeployer.calls.push({ op: "preview", modes: this.modes() });
        return { ok: true, output: "Previewing update (local)\n+ 9 to create\n", changes: { create: 9, same: 33 } };
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

describe("self-service server: rules over HTTP", function () {
    this.timeout(30_000);
    let dir: string;
    let app: FastifyInstance;
    let requests: RequestStore;
    let configFile: string;
    const goodForm = { edge: "edge_la", mode: "fallback", disasterType: "fire", description: "Fire in hall 2, edge computer destroyed", expectedDurationDays: "30" };

    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-selfservice-"));
        configFile = path.join(dir, "Pulumi.local.yaml");
        fs.copyFileSync(LOCAL_CONFIG_FILE, configFile);
        const accounts = new AccountStore(path.join(dir, "accounts.json"));
        accounts.put(hashAccount("alice", "requester", PASSWORD));
        accounts.put(hashAccount("carol", "requester", PASSWORD));
        accounts.put(hashAccount("bob", "approver", PASSWORD));
        requests = new RequestStore(path.join(dir, "data"));
        RecordingDeployer.calls = [];
        RecordingDeployer.upResult = { ok: true, output: "Updating (local)\n", changes: { create: 9 } };
        app = await buildServer({ accounts, requests, configFile, deployerFor: (file) => new RecordingDeployer(file), sessionSecret: "x".repeat(40) });
    });
    afterEach(async () => {
        await app.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const settle = async () => { for (let i = 0; i < 50 && requests.list().some((r) => r.status === "applying"); i++) await new Promise((r) => setTimeout(r, 20)); };

    it("no route changes anything without a session: pages redirect to sign-in, POSTs are refused", async () => {
        const anonymous = new Client(app);
        for (const url of ["/", "/fallback", "/requests/x"]) {
            const response = await anonymous.request("GET", url);
            assert.strictEqual(response.statusCode, 303, url);
            assert.strictEqual(response.headers.location, "/login");
        }
        for (const url of ["/fallback", "/requests/x/approve", "/logout"]) {
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
});
