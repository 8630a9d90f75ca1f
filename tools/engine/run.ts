/**
 * `npm run pulumi -- <args>`: the Pulumi CLI built by install.sh, with the project's environment
 * (tools/engine/cli.ts): file backend and PULUMI_HOME under .state/pulumi, no plugin download.
 * For a local stack (`-s local…`), PULUMI_CONFIG_PASSPHRASE is the local-only passphrase unless
 * already set; the servers' password must be in AGOGSAAS_LOCAL_PG_PASSWORD.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { CHECKOUT, LOCAL_PASSPHRASE, engineBinDir, engineEnv } from "./cli";

const args = process.argv.slice(2);
const stackFlag = args.findIndex((arg) => arg === "-s" || arg === "--stack");
const stack = stackFlag >= 0 ? args[stackFlag + 1] : args.find((arg) => arg.startsWith("--stack="))?.slice(8);
const local = stack?.startsWith("local") === true;
const env = engineEnv(local && !process.env.PULUMI_CONFIG_PASSPHRASE ? { passphrase: LOCAL_PASSPHRASE } : {});
const result = spawnSync(path.join(engineBinDir(), "pulumi"), args, { cwd: process.env.INIT_CWD ?? CHECKOUT, env, stdio: "inherit" });
if (result.error) {
    process.stderr.write(`${result.error.message}\n(build the engine first: npm run engine:install)\n`);
    process.exit(1);
}
process.exit(result.status ?? 1);
