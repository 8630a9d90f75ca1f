/**
 * The self-service server over a real-engine `local` stack with Chromium on it, for the browser
 * tests: a deployment (already up), accounts alice (requester) and bob (approver), the server on a
 * free port, a page, and the steps every test takes (sign in, screenshot).
 * Screenshots go to AGOGSAAS_SCREENSHOTS (docs/screenshots for the docs) or a temp directory.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { AddressInfo } from "net";
import type { FastifyInstance } from "fastify";
import type { Page } from "playwright-core";
import { AccountStore, hashAccount } from "../../tools/selfservice/accounts";
import type { Deployer } from "../../tools/selfservice/deployer";
import { RequestStore } from "../../tools/selfservice/requests";
import { buildServer } from "../../tools/selfservice/server";
import { LocalTarget, localTarget } from "../../tools/selfservice/local-target";
import { LocalDeployment, startLocalDeployment } from "../../tools/engine/local-deployment";
import { BrowserSession, launchBrowser } from "./browser";

export const PASSWORD = "correct horse battery";

export interface SelfServiceHarness {
    d: LocalDeployment;
    target: LocalTarget;
    requests: RequestStore;
    page: Page;
    /** The server's base URL. */
    base: string;
    /** Signs in through the login page and waits for the request list. */
    signIn(name: string): Promise<void>;
    /** Signs out and in as `name`, back on the page that was open. */
    switchUser(name: string): Promise<void>;
    /** Clicks the approve button and waits for the update's end; resolves to the request's status. */
    approveAndWait(): Promise<string>;
    /** A full-page PNG `selfservice-<name>.png` in the screenshot directory. */
    shot(name: string): Promise<void>;
    /** Closes the browser and the server, destroys the stack, stops every server. */
    close(): Promise<void>;
}

export interface HarnessOptions {
    /** Runs after the stack's first `up`, before the server starts (e.g. the disaster); default nothing. */
    afterUp?: (d: LocalDeployment) => Promise<void>;
    /** The deployer the server uses; default the target's. */
    deployerFor?: (target: LocalTarget) => (configFile: string) => Deployer;
}

export async function startSelfServiceHarness(options: HarnessOptions = {}): Promise<SelfServiceHarness> {
    const shots = process.env.AGOGSAAS_SCREENSHOTS ?? fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-shots-"));
    fs.mkdirSync(shots, { recursive: true });
    const d = await startLocalDeployment();
    const target = localTarget(d);
    let app: FastifyInstance | undefined;
    let browser: BrowserSession | undefined;
    const close = async () => {
        await browser?.close();
        await app?.close();
        await target.close();
    };
    try {
        await d.stack.up();
        await options.afterUp?.(d);
        const accounts = new AccountStore(path.join(d.dir, "accounts.json"));
        accounts.put(hashAccount("alice", "requester", PASSWORD));
        accounts.put(hashAccount("bob", "approver", PASSWORD));
        const requests = new RequestStore(path.join(d.dir, "selfservice"));
        const server = await buildServer({ accounts, requests, configFile: d.configFile, deployerFor: (options.deployerFor ?? ((t) => t.deployerFor))(target), stackConfig: target.stackConfig });
        app = server;
        await server.listen({ host: "127.0.0.1", port: 0 });
        const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
        browser = await launchBrowser();
        const page = await browser.context.newPage();
        const signIn = async (name: string) => {
            await page.goto(`${base}/login`);
            await page.fill("#name", name);
            await page.fill("#password", PASSWORD);
            await page.click("button[type=submit]");
            await page.waitForURL(`${base}/`);
        };
        return {
            d, target, requests, page, base, close, signIn,
            switchUser: async (name) => {
                const url = page.url();
                await page.click("nav button[type=submit]");
                await signIn(name);
                await page.goto(url);
            },
            approveAndWait: async () => {
                await page.click("#approve");
                await page.waitForFunction(() => document.getElementById("status")?.textContent !== "applying", undefined, { timeout: 300_000 });
                return await page.textContent("#status") ?? "";
            },
            shot: async (name) => {
                const file = path.join(shots, `selfservice-${name}.png`);
                await page.screenshot({ path: file, fullPage: true });
                assert.deepStrictEqual([...fs.readFileSync(file).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], `${file} is a PNG`);
            },
        };
    } catch (error) {
        await close();
        throw error;
    }
}
