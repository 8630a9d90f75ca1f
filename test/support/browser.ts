/**
 * Debian's Chromium (tools/browser/install.sh) driven by playwright-core: no browser download.
 * The flags keep it off the network this machine does not have (background updates, sync, QUIC)
 * and let it run as root (--no-sandbox); each launch gets a fresh user-data directory.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface BrowserSession {
    context: BrowserContext;
    close(): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserSession> {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash tools/browser/install.sh (Debian's chromium package)`);
    const userData = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-chromium-"));
    const context = await chromium.launchPersistentContext(userData, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    return {
        context,
        close: async () => {
            await context.close().catch(() => undefined);
            fs.rmSync(userData, { recursive: true, force: true });
        },
    };
}
