/**
 * `npm run selfservice`: the self-service server on this machine, over the `local` stack.
 *
 *   npm run selfservice                       # starts embedded PostgreSQL, `pulumi up -s local`, two accounts, serves :8480
 *   npm run selfservice -- --port 9000
 *   npm run selfservice -- --user add <name> <requester|approver>   # password from SELFSERVICE_PASSWORD
 *
 * The demo deployment is temporary (its servers, state and accounts are removed on exit); the
 * accounts' passwords are printed once. The data directory (requests, audit log) is kept under
 * `.state/selfservice-<time>` so it can be read afterwards.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { AccountStore, Role, hashAccount } from "./accounts";
import { localTarget } from "./local-target";
import { RequestStore } from "./requests";
import { buildServer } from "./server";
import { CHECKOUT } from "../engine/cli";
import { startLocalDeployment } from "../engine/local-deployment";
import { runCli } from "../run-cli";

function flag(argv: string[], name: string): string | undefined {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
    const dataDir = path.join(CHECKOUT, ".state", `selfservice-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    if (argv[0] === "--user") {
        const [, verb, name, role] = argv;
        const file = flag(argv, "accounts") ?? path.join(CHECKOUT, ".state", "selfservice-accounts.json");
        if (verb !== "add" || !name || !role) throw new Error("usage: npm run selfservice -- --user add <name> <requester|approver> [--accounts file] (password from SELFSERVICE_PASSWORD)");
        fs.mkdirSync(path.dirname(file), { recursive: true });
        new AccountStore(file).put(hashAccount(name, role as Role, process.env.SELFSERVICE_PASSWORD ?? ""));
        console.log(`account ${name} (${role}) written to ${file}`);
        return;
    }
    const port = Number(flag(argv, "port") ?? 8480);
    console.log("starting embedded PostgreSQL and deploying the local stack (pulumi up)…");
    const deployment = await startLocalDeployment();
    const target = localTarget(deployment);
    const stop = async () => { await target.close(); process.exit(0); };
    process.removeAllListeners("SIGINT");
    process.on("SIGINT", () => void stop());
    await deployment.stack.up();
    fs.mkdirSync(dataDir, { recursive: true });
    const accounts = new AccountStore(path.join(deployment.dir, "accounts.json"));
    const passwords: Record<string, string> = {};
    for (const [name, role] of [["alice", "requester"], ["bob", "approver"]] as const) {
        passwords[name] = crypto.randomBytes(12).toString("base64url");
        accounts.put(hashAccount(name, role, passwords[name]));
    }
    const app = await buildServer({
        accounts, requests: new RequestStore(dataDir), configFile: deployment.configFile,
        deployerFor: target.deployerFor, stackConfig: target.stackConfig,
    });
    await app.listen({ host: "127.0.0.1", port });
    console.log(`self-service on http://127.0.0.1:${port}/  accounts: alice (requester) ${passwords.alice} · bob (approver) ${passwords.bob}`);
    console.log(`requests and audit log: ${dataDir}; Ctrl-C stops the server and removes the deployment`);
}

runCli(module, main, { showStack: false });
