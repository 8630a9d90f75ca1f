/**
 * The browser harness (test/support/browser.ts) on its own: Debian's Chromium driven by
 * playwright-core against a tiny node:http server on 127.0.0.1. A form is filled, submitted by a
 * click, the server answers with what it received and a script on the page adds a line of its own;
 * the test reads both back, checks the launch flags on the real Chromium process, the screenshot's
 * PNG signature, and that the user-data directory is gone after close.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import type { AddressInfo } from "net";
import { BrowserSession, CHROMIUM_FLAGS, PNG_SIGNATURE, launchBrowser, saveScreenshot, withPage } from "./support/browser";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const FORM = `<!doctype html><html><head><title>Edge request</title></head><body>
<h1>Request an edge computer</h1>
<form method="post" action="/submit">
  <label>Facility <input id="facility" name="facility" required></label>
  <label>Tier <select id="tier" name="tier"><option>small</option><option>medium</option><option>large</option></select></label>
  <button id="send" type="submit">Send</button>
</form></body></html>`;

function resultPage(facility: string, tier: string): string {
    return `<!doctype html><html><head><title>Received</title></head><body>
<p id="result">received ${escape(facility)} (${escape(tier)})</p><p id="script"></p>
<script>document.getElementById("script").textContent = "script saw " + document.getElementById("result").textContent.length + " characters";</script>
</body></html>`;
}

/** GET / is the form; POST /submit echoes the urlencoded fields; the rest is 404. */
function formServer(): http.Server {
    return http.createServer((req, res) => {
        if (req.method === "GET" && req.url === "/") {
            res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(FORM);
        } else if (req.method === "POST" && req.url === "/submit") {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                const fields = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
                res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(resultPage(fields.get("facility") ?? "", fields.get("tier") ?? ""));
            });
        } else {
            res.writeHead(404).end();
        }
    });
}

/** The command line of the Chromium browser process whose user-data directory is dir (Linux /proc). */
function chromiumCommandLine(dir: string): string[] | undefined {
    for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
        let args: string[];
        try {
            args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        } catch {
            continue;
        }
        if (args.includes(`--user-data-dir=${dir}`) && !args.some((a) => a.startsWith("--type="))) return args;
    }
    return undefined;
}

describe("browser harness: Debian's Chromium driven by playwright-core", function () {
    this.timeout(120_000);
    let server: http.Server;
    let base: string;
    let session: BrowserSession;
    const shots = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-harness-shots-"));

    const submit = (facility: string, tier: string) => withPage(async (page) => {
        await page.goto(`${base}/`);
        assert.strictEqual(await page.title(), "Edge request");
        await page.fill("#facility", facility);
        await page.selectOption("#tier", tier);
        await Promise.all([page.waitForURL(`${base}/submit`), page.click("#send")]);
        return { result: await page.textContent("#result"), script: await page.textContent("#script") };
    }, session);

    before(async () => {
        server = formServer();
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        session = await launchBrowser();
    });
    after(async () => {
        await session?.close();
        await new Promise((resolve) => server?.close(resolve));
        fs.rmSync(shots, { recursive: true, force: true });
    });

    it("runs /usr/bin/chromium headless with the offline flags and its own user-data directory", () => {
        assert.ok(session.browser.isConnected());
        assert.match(session.browser.version(), /^\d+\.\d+\.\d+\.\d+$/);
        const args = chromiumCommandLine(session.userDataDir);
        assert.ok(args, `no Chromium process with --user-data-dir=${session.userDataDir}`);
        for (const flag of [...CHROMIUM_FLAGS, "--headless"]) assert.ok(args.some((a) => a === flag || a.startsWith(`${flag}=`)), `${flag} missing from ${args.join(" ")}`);
    });

    it("fills the form, clicks, reads the server's answer and the page script's line", async () => {
        const { result, script } = await submit("Houston <plant 1>", "medium");
        assert.strictEqual(result, "received Houston <plant 1> (medium)");
        assert.strictEqual(script, `script saw ${"received Houston <plant 1> (medium)".length} characters`);
        // The answer follows what was typed: a page that ignored the form would fail here.
        const other = await submit("Monterrey", "large");
        assert.strictEqual(other.result, "received Monterrey (large)");
    });

    it("a wrong expectation fails", async () => {
        await assert.rejects(
            withPage(async (page) => {
                await page.goto(`${base}/`);
                await page.fill("#facility", "Houston");
                await Promise.all([page.waitForURL(`${base}/submit`), page.click("#send")]);
                assert.strictEqual(await page.textContent("#result"), "received Houston (large)");
            }, session),
            (e: Error) => e instanceof assert.AssertionError && /received Houston \(small\)/.test(e.message),
        );
    });

    it("withPage closes its page when fn throws", async () => {
        let seen: import("playwright-core").Page | undefined;
        await assert.rejects(withPage(async (page) => { seen = page; throw new Error("boom"); }, session), /boom/);
        assert.ok(seen?.isClosed());
        assert.strictEqual(session.context.pages().filter((p) => p === seen).length, 0);
    });

    it("saves a PNG screenshot of the answer", async () => {
        const file = await withPage(async (page) => {
            await page.goto(`${base}/`);
            await page.fill("#facility", "Houston");
            await Promise.all([page.waitForURL(`${base}/submit`), page.click("#send")]);
            return saveScreenshot(page, path.join(shots, "nested", "answer.png"));
        }, session);
        assert.ok(fs.existsSync(file));
        const bytes = fs.readFileSync(file);
        assert.deepStrictEqual([...bytes.subarray(0, 8)], [...PNG_SIGNATURE]);
        assert.ok(bytes.length > 1000, `${file} is only ${bytes.length} bytes`);
    });

    it("a browser of its own (withPage without a session) is closed and its user-data directory removed", async () => {
        // os.tmpdir() follows TMPDIR: a private one, so that other test runs' directories are not counted.
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-harness-tmp-"));
        const saved = process.env.TMPDIR;
        const dirs = () => fs.readdirSync(tmp).filter((n) => n.startsWith("agogsaas-chromium-"));
        let during: string[] = [];
        try {
            process.env.TMPDIR = tmp;
            const text = await withPage(async (page) => {
                during = dirs();
                await page.goto(`${base}/`);
                return page.textContent("h1");
            });
            assert.strictEqual(text, "Request an edge computer");
            assert.strictEqual(during.length, 1, `withPage launched no Chromium of its own in ${tmp}`);
            assert.ok(chromiumCommandLine(path.join(tmp, during[0])) === undefined, "its Chromium still runs");
            assert.deepStrictEqual(dirs(), [], "its user-data directory is left behind");
        } finally {
            if (saved === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = saved;
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});
