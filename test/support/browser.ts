/**
 * Debian's Chromium (tools/browser/install.sh) driven by playwright-core: no browser download.
 * The flags keep it off the network this machine does not have (background updates, sync, QUIC)
 * and let it run as root (--no-sandbox); each launch gets a fresh, empty user-data directory
 * (Playwright's persistent context is its documented way to choose one), removed on close.
 * Playwright adds --headless itself (headless: true).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Browser, BrowserContext, Page, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_FLAGS: readonly string[] = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** PNG's 8-byte file signature. */
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface BrowserSession {
    /** The running Chromium. */
    browser: Browser;
    /** Its one context (cookies and storage live in the session's own user-data directory). */
    context: BrowserContext;
    /** The user-data directory, removed by close(). */
    userDataDir: string;
    /** Closes Chromium and removes the user-data directory; safe to call twice. */
    close(): Promise<void>;
}

/** A clear error before Playwright's own, when Debian's Chromium has not been installed. */
export function assertChromium(): void {
    try {
        fs.accessSync(CHROMIUM, fs.constants.X_OK);
    } catch {
        throw new Error(`${CHROMIUM} is missing: run bash tools/browser/install.sh (installs Debian's chromium and chromium-driver; npm test's pretest runs it)`);
    }
}

export async function launchBrowser(): Promise<BrowserSession> {
    assertChromium();
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-chromium-"));
    let context: BrowserContext;
    try {
        context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS] });
    } catch (e) {
        fs.rmSync(userDataDir, { recursive: true, force: true });
        throw e;
    }
    const browser = context.browser();
    if (!browser) {
        await context.close().catch(() => undefined);
        fs.rmSync(userDataDir, { recursive: true, force: true });
        throw new Error("playwright-core returned a persistent context without its browser");
    }
    return {
        browser,
        context,
        userDataDir,
        close: async () => {
            await context.close().catch(() => undefined);
            fs.rmSync(userDataDir, { recursive: true, force: true });
        },
    };
}

/**
 * Opens a page, runs fn with it and always closes the page (and, when no session is given, the
 * Chromium launched for this call), whether fn returns or throws.
 */
export async function withPage<T>(fn: (page: Page) => Promise<T>, session?: BrowserSession): Promise<T> {
    const s = session ?? (await launchBrowser());
    try {
        const page = await s.context.newPage();
        try {
            return await fn(page);
        } finally {
            await page.close().catch(() => undefined);
        }
    } finally {
        if (s !== session) await s.close();
    }
}

/** A full-page PNG screenshot at file (its directory is created); checks the signature, returns file. */
export async function saveScreenshot(page: Page, file: string): Promise<string> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file, fullPage: true, type: "png" });
    const head = [...fs.readFileSync(file).subarray(0, PNG_SIGNATURE.length)];
    assert.deepStrictEqual(head, [...PNG_SIGNATURE], `${file} is not a PNG`);
    return file;
}
