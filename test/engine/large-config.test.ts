/**
 * A stack config larger than Linux lets one environment variable be (128 KiB; the SDK reads the
 * config from PULUMI_CONFIG, pulumi/pulumi#8680): a regional stack of ~750 or more facilities is
 * that large. Our language host hands such a config to the program through a pipe
 * (tools/engine/language-host/config-from-fd.js); the program must read exactly what was set,
 * secrets included.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CHECKOUT, ensureStack, pulumi, pulumiOk } from "../../tools/engine/cli";

const PROJECT = path.join(CHECKOUT, "test", "fixtures", "large-config");

describe("real engine: a stack config larger than an environment variable may be", function () {
    this.timeout(300_000);
    let dir: string;
    before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-large-config-")); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const [label, count] of [["small (in PULUMI_CONFIG)", 10], ["300 KiB (through the pipe)", 12_000]] as const) {
        it(`${label}: the program reads every item and the secret`, async () => {
            const items = Array.from({ length: count }, (_, i) => `facility-site-${String(i).padStart(5, "0")}`);
            const stack = `items-${count}`;
            const options = { stateDir: path.join(dir, "state"), passphrase: "large-config-test", cwd: PROJECT };
            const configFile = path.join(dir, `Pulumi.${stack}.yaml`);
            fs.writeFileSync(configFile, YAML.stringify({ config: { "agogsaas-large-config:items": items } }));
            await ensureStack(stack, options, configFile);
            await pulumiOk(["config", "set", "--secret", "token", "s3cr3t-value", "--stack", stack, "--config-file", configFile], options);
            if (count > 10) assert.ok(fs.statSync(configFile).size > 256 * 1024, "the config must exceed the 128 KiB limit");
            const up = await pulumi(["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack, "--config-file", configFile], options);
            assert.strictEqual(up.code, 0, `${up.stdout.slice(-1500)}\n${up.stderr.slice(-1500)}`);
            const outputs = JSON.parse((await pulumiOk(["stack", "output", "--json", "--show-secrets", "--stack", stack], options)).stdout) as Record<string, unknown>;
            assert.deepStrictEqual(outputs, {
                count, tokenLength: "s3cr3t-value".length,
                sha256: crypto.createHash("sha256").update(JSON.stringify(items)).digest("hex"),
            });
        });
    }
});
