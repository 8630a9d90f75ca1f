/**
 * Bad stack config is refused before any resource is registered, with one message naming the
 * config key and what is allowed. Each case starts from a real Pulumi.<stack>.yaml and breaks one
 * thing, then runs the real stack program under the mock runtime.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { SovereigntyError, ValidationError } from "../components/shared/errors";
import { ZONE_RULES } from "../components/shared/sovereignty";
import { synthesize, SynthError } from "../tools/synth/mock-runtime";
import { loadStackConfigFiles, StackConfigError } from "../tools/synth/stack-config";
import { runStack } from "../stacks/program";
import { Config, ROOT, configOf, editObject } from "./support/stack-config";
import { DEFAULTS, parseStackConfig } from "../stacks/config";





/**
 * Runs the stack program with the edited config and asserts it fails with exactly `message`, as
 * an error of `errorClass`, having registered nothing.
 */
async function assertRefused(stack: string, edit: (config: Config) => void, message: string, errorClass: typeof ValidationError = ValidationError): Promise<void> {
    const config = configOf(stack, edit);
    await assert.rejects(synthesize({ project: "agogsaas", stack, config, program: runStack }), (err: unknown) => {
        assert.ok(err instanceof SynthError, `expected a SynthError, got ${String(err)}`);
        assert.strictEqual(err.message, message);
        assert.ok(err.cause instanceof errorClass, `expected a ${errorClass.name}, got ${(err.cause as Error)?.name}`);
        assert.deepStrictEqual(err.partial.resources.map((r) => r.urn), [], "no resource may be registered");
        return true;
    });
}

const EU_LOCATIONS = ZONE_RULES.eu.azureLocations.map((l) => `"${l}"`);
const EU_LOCATIONS_ALLOWED = `${EU_LOCATIONS.slice(0, -1).join(", ")} or ${EU_LOCATIONS[EU_LOCATIONS.length - 1]}`;

describe("stack config validation (nothing registered on bad config)", () => {
    describe("the four cases of the issue", () => {
        it("refuses an eu-central stack pointed at us-east-1", async () => {
            await assertRefused("eu-central", (c) => { c["agogsaas:region"] = "us-east-1"; },
                `agogsaas:region: Azure location "us-east-1" is outside sovereignty zone "eu" (European Union / EEA (GDPR)). Allowed: ${EU_LOCATIONS_ALLOWED}`,
                SovereigntyError);
        });

        it("refuses an eu-central stack moved to AWS us-east-1", async () => {
            await assertRefused("eu-central", (c) => {
                c["agogsaas:cloud"] = "aws";
                c["agogsaas:region"] = "us-east-1";
                c["aws:region"] = "us-east-1";
                c["agogsaas:databaseSku"] = "db.r6g.large";
            }, `agogsaas:region: AWS region "us-east-1" is outside sovereignty zone "eu" (European Union / EEA (GDPR)). Allowed: ` +
                `"eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-south-1" or "eu-south-2"`, SovereigntyError);
        });

        it("refuses an unknown zone", async () => {
            await assertRefused("us-east", (c) => { c["agogsaas:zone"] = "mars"; },
                'agogsaas:zone: unknown sovereignty zone "mars". Allowed: "us", "eu" or "apac"');
        });

        it("refuses a facility id that is not a valid identifier", async () => {
            await assertRefused("us-east", (c) => editObject<{ id: string }[]>(c, "agogsaas:facilities", (f) => { f[0].id = "Facility_LA 1"; }),
                'agogsaas:facilities[0].id: "Facility_LA 1" is not a valid facility id. Allowed: "facility-<site>-<nnn>": "facility-", ' +
                '2-16 lowercase letters/digits starting with a letter, "-", three digits (e.g. "facility-la-001")');
        });

        it("refuses an active color without a version", async () => {
            // eu-central runs green; take green's backend version away.
            await assertRefused("eu-central", (c) => editObject<Record<string, Record<string, string>>>(c, "agogsaas:versions", (v) => { delete v.backend.green; }),
                'agogsaas:versions.backend.green: no version for the active color "green" (agogsaas:activeColor); set one or switch the active color. ' +
                'Allowed: an image tag such as "1.5.0"');
        });
    });

    describe("other mistakes users make", () => {
        it("refuses duplicate facility ids", async () => {
            await assertRefused("us-east", (c) => editObject<{ id: string }[]>(c, "agogsaas:facilities", (f) => { f[1].id = f[0].id; }),
                'agogsaas:facilities[1].id: duplicate id "facility-la-001". Allowed: each id once');
        });

        it("refuses an unknown size tier", async () => {
            await assertRefused("us-east", (c) => editObject<{ size: string }[]>(c, "agogsaas:facilities", (f) => { f[0].size = "huge"; }),
                'agogsaas:facilities[0].size: unknown value "huge". Allowed: "small", "medium" or "large"');
        });

        it("refuses an unknown cloud", async () => {
            await assertRefused("us-east", (c) => { c["agogsaas:cloud"] = "gcp"; },
                'agogsaas:cloud: unknown value "gcp". Allowed: "aws" or "azure"');
        });

        it("refuses an active color other than blue or green", async () => {
            await assertRefused("us-east", (c) => { c["agogsaas:activeColor"] = "purple"; },
                'agogsaas:activeColor: unknown value "purple". Allowed: "blue" or "green"');
        });

        it("refuses the latest tag for an edge image in a production stack", async () => {
            await assertRefused("us-east", (c) => editObject<Record<string, string>>(c, "agogsaas:edgeImages", (i) => { i.backend = "ghcr.io/agogsaas/backend:latest"; }),
                'agogsaas:edgeImages.backend: "ghcr.io/agogsaas/backend:latest" uses the tag "latest", which a production stack refuses. Allowed: a version tag or a digest');
        });

        it("refuses an unpinned image override of one facility, naming the facility", async () => {
            await assertRefused("us-east", (c) => editObject<Record<string, unknown>[]>(c, "agogsaas:facilities", (f) => { f[1].images = { nats: "nats" }; }),
                'agogsaas:facilities[1].images.nats: "nats" has no tag: images are pinned by tag. Allowed: "nats:<version>"');
        });

        it("refuses the version latest for an app in a production stack", async () => {
            await assertRefused("us-east", (c) => editObject<Record<string, Record<string, string>>>(c, "agogsaas:versions", (v) => { v.frontend.green = "latest"; }),
                'agogsaas:versions.frontend.green: "latest" is not a pinned version, which a production stack refuses. Allowed: a release tag such as "1.5.0"');
        });

        it("allows the latest tag outside production", async () => {
            const config = configOf("us-east", (c) => {
                c["agogsaas:environment"] = "development";
                editObject<Record<string, Record<string, string>>>(c, "agogsaas:versions", (v) => { v.frontend.green = "latest"; });
            });
            assert.strictEqual(parseStackConfig(config, "us-east").versions.frontend.green, "latest");
        });

        it("refuses a Docker host that is not an SSH URL", async () => {
            await assertRefused("us-east", (c) => editObject<{ dockerHost: string }[]>(c, "agogsaas:facilities", (f) => { f[0].dockerHost = "http://edge-la-001:2375"; }),
                'agogsaas:facilities[0].dockerHost: "http://edge-la-001:2375" is not a Docker host URL. Allowed: "ssh://user@host[:port]" or "tcp://host:port"');
        });

        it("refuses a facility of an unknown tenant", async () => {
            await assertRefused("us-east", (c) => editObject<{ tenant: string }[]>(c, "agogsaas:facilities", (f) => { f[0].tenant = "tenant-nobody"; }),
                'agogsaas:facilities[0].tenant: unknown tenant "tenant-nobody". Allowed: "tenant-foo-inc" or "tenant-acme-metal"');
        });

        it("refuses a facility of another zone (its data would leave its zone)", async () => {
            await assertRefused("us-east", (c) => editObject<Record<string, unknown>[]>(c, "agogsaas:facilities", (f) => { f[0].zone = "eu"; }),
                'agogsaas:facilities[0].zone: facility in zone "eu" cannot be served by a stack in zone "us": its operational data would leave its zone. ' +
                'Allowed: "us" (or a stack of zone "eu")', SovereigntyError);
        });

        it("refuses a misspelt config key", async () => {
            const keys = ["tier", "environment", "zone", "cloud", "region", "activeColor", "publicHostname", "kubernetesVersion", "nodeSize", "nodeCount", "nodeMaxCount", "databaseSku", "databaseStorageGb", "databaseBackupRetentionDays", "databaseStandbyRegion", "edgeDeployment", "versions", "images", "edgeImages", "tenants", "facilities", "peers"];
            const allowed = keys.map((k) => `"agogsaas:${k}"`).join(", ").replace(/, ("agogsaas:peers")$/, " or $1");
            await assertRefused("us-east", (c) => { c["agogsaas:activecolor"] = "green"; }, `agogsaas:activecolor: unknown config key. Allowed: ${allowed}`);
        });

        it("refuses a misspelt field inside a facility", async () => {
            await assertRefused("us-east", (c) => editObject<Record<string, unknown>[]>(c, "agogsaas:facilities", (f) => { f[0].dockerhost = f[0].dockerHost; }),
                'agogsaas:facilities[0].dockerhost: unknown field. Allowed: "id", "name", "tenant", "dockerHost", "size", "offline", "mode", "zone", "images", "edgeDeployment", "edgeStack", "backup" or "site"');
        });

        it("refuses an AWS provider region that differs from agogsaas:region", async () => {
            await assertRefused("us-east", (c) => { c["aws:region"] = "us-west-2"; },
                'aws:region: "us-west-2" differs from agogsaas:region "us-east-1". Allowed: "us-east-1"', SovereigntyError);
        });

        it("refuses an Azure provider location outside the zone", async () => {
            await assertRefused("eu-central", (c) => { c["azure-native:location"] = "eastus"; },
                `azure-native:location: Azure location "eastus" is outside sovereignty zone "eu" (European Union / EEA (GDPR)). Allowed: ${EU_LOCATIONS_ALLOWED}`,
                SovereigntyError);
        });

        it("refuses a peer that is the stack itself", async () => {
            await assertRefused("apac", (c) => editObject<{ stack: string }[]>(c, "agogsaas:peers", (p) => { p[0].stack = "apac"; }),
                'agogsaas:peers[0].stack: a stack cannot peer with itself ("apac"). Allowed: another regional stack');
        });

        it("names the config key when a component refuses a value (Azure storage size)", async () => {
            await assertRefused("eu-central", (c) => { c["agogsaas:databaseStorageGb"] = "100"; },
                'agogsaas:databaseStorageGb: Azure Flexible Server does not offer 100 GiB. Allowed: 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767');
        });

        it("refuses a database standby in another zone, naming the key (its personal data would leave the zone)", async () => {
            await assertRefused("us-east", (c) => { c["agogsaas:databaseStandbyRegion"] = "eu-central-1"; },
                'agogsaas:databaseStandbyRegion: a standby in eu-central-1 (zone eu) would hold zone us personal data ("orders", "production_logs", "quality_inspections", "customers"): ' +
                'only aggregate tables may leave zone us. Allowed: "us-east-2", "us-west-1" or "us-west-2", or a move of aggregate tables only ("inventory_snapshots" or "facility_status")',
                SovereigntyError);
            await assertRefused("eu-central", (c) => { c["agogsaas:databaseStandbyRegion"] = "germanywestcentral"; },
                /* the server's own location */ `agogsaas:databaseStandbyRegion: is the server's own Azure location "germanywestcentral": a standby there does not survive a region outage. Allowed: ${EU_LOCATIONS.filter((l) => l !== '"germanywestcentral"').join(", ").replace(/, ("[a-z]+")$/, " or $1")}`);
        });

        it("reads databaseStandbyRegion (empty = none) and hands it to the regional database", async () => {
            const parsed = (edit: (c: Config) => void) => parseStackConfig(configOf("us-east", edit), "us-east");
            assert.strictEqual(parsed(() => undefined).database.standbyRegion, undefined);
            assert.strictEqual(parsed((c) => { c["agogsaas:databaseStandbyRegion"] = " us-west-2 "; }).database.standbyRegion, "us-west-2");
            const result = await synthesize({ project: "agogsaas", stack: "us-east", config: configOf("us-east", (c) => { c["agogsaas:databaseStandbyRegion"] = "us-west-2"; }), program: runStack });
            const replicas = result.resources.filter((r) => r.type === "aws:rds/instance:Instance" && r.inputs.replicateSourceDb !== undefined);
            assert.strictEqual(replicas.length, 1, "one standby");
        });

        it("names the edge image key when the edge site refuses an image (not PostgreSQL 16)", async () => {
            await assertRefused("apac", (c) => editObject<Record<string, string>>(c, "agogsaas:edgeImages", (i) => { i.postgres = "postgres:15.8-alpine"; }),
                'agogsaas:edgeImages.postgres: "postgres:15.8-alpine" is not PostgreSQL 16 pinned to a minor release. Allowed: "postgres:16.<minor>[-variant]", e.g. "postgres:16.6-alpine"');
        });

        it("refuses a node count below one node per availability zone (RegionalCluster's rule, under the config key)", async () => {
            await assertRefused("us-east", (c) => { c["agogsaas:nodeCount"] = "2"; },
                "agogsaas:nodeCount: must be an integer >= 3, got 2");
        });
    });

    describe("Pulumi.yaml", () => {
        const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, { type: string; default?: unknown }> };

        it("declares the same defaults as the program", () => {
            const declared = Object.fromEntries(Object.entries(project.config).filter(([, d]) => d.default !== undefined).map(([k, d]) => [k, d.default]));
            assert.deepStrictEqual(declared, { ...DEFAULTS });
        });

        it("declares only types the Pulumi CLI supports", () => {
            for (const [key, decl] of Object.entries(project.config)) {
                assert.ok(["string", "integer", "boolean", "array"].includes(decl.type), `${key}: type ${decl.type}`);
            }
        });

        it("a stack value of the wrong declared type is refused while loading, naming the key", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-config-"));
            try {
                fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
                const stackFile = fs.readFileSync(path.join(ROOT, "Pulumi.us-east.yaml"), "utf8").replace("agogsaas:nodeCount: 3", "agogsaas:nodeCount: three");
                fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), stackFile);
                assert.throws(() => loadStackConfigFiles("bad", dir), (err: unknown) =>
                    err instanceof StackConfigError && err.message.endsWith("configuration key 'agogsaas:nodeCount' must be of type 'integer', got \"three\""));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});
