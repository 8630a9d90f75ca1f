/**
 * The preview-only STAND-IN plugins (tools/engine/stand-ins): what they answer and what they
 * refuse. Engine test 5 runs them under the real engine; here their contract alone.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StandIn } from "../tools/engine/stand-ins/provider";
import { STAND_IN_PACKAGES, pluginVersion, writePreviewableVariant, writeStandInPlugins } from "../tools/engine/stand-ins/index";
import { rawConfigOf } from "../tools/engine/local-stack";

describe("STAND-IN cloud plugins (preview only)", () => {
    const aws = new StandIn("aws", "7.0.0");
    const urn = "urn:pulumi:s::p::aws:s3/bucketV2:BucketV2::b";

    it("check echoes the inputs; diff reports changed keys as updates, never replaces", async () => {
        assert.deepStrictEqual(await aws.check(urn, {}, { bucket: "x", tags: { a: "1" } }), { inputs: { bucket: "x", tags: { a: "1" } } });
        const diff = await aws.diff("id", urn, { bucket: "x", tags: { a: "1" } }, { bucket: "x", tags: { a: "2" } });
        assert.deepStrictEqual({ ...diff }, { changes: true, replaces: [], stables: ["bucket"], deleteBeforeReplace: false });
        assert.strictEqual((await aws.diff("id", urn, { bucket: "x" }, { bucket: "x" })).changes, false);
    });

    it("refuses create, update and delete, and any provider function it does not know", async () => {
        await assert.rejects(aws.create(urn), /refusing to create .*nothing is deployed through a stand-in/);
        await assert.rejects(aws.update("id", urn), /refusing to update/);
        await assert.rejects(aws.delete("id", urn), /refusing to delete/);
        await assert.rejects(aws.invoke("aws:ec2/getAmi:getAmi", {}), /getAmi is not answered/);
        await assert.rejects(aws.invoke("aws:index/getAvailabilityZones:getAvailabilityZones", {}), /without `region` cannot be answered/);
    });

    it("answers availability zones from the region asked for", async () => {
        const zones = await aws.invoke("aws:index/getAvailabilityZones:getAvailabilityZones", { region: "eu-central-1" });
        assert.deepStrictEqual((zones.outputs as { names: string[] }).names, ["eu-central-1a", "eu-central-1b", "eu-central-1c"]);
    });

    it("writes one launcher per package at the version its npm package asks for", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-stand-ins-"));
        try {
            writeStandInPlugins(dir);
            for (const pkg of STAND_IN_PACKAGES) {
                const launcher = fs.readFileSync(path.join(dir, `pulumi-resource-${pkg}`), "utf8");
                assert.match(launcher, /STAND-IN \(preview only\)/);
                assert.ok(launcher.includes(` ${pkg} ${pluginVersion(pkg)} "$@"`), launcher);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a previewable variant gives peers in config and edge stacks inline, everything else as shipped", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-variant-"));
        try {
            const variant = rawConfigOf(writePreviewableVariant("us-east", path.join(dir, "Pulumi.us-east.yaml")));
            const shipped = rawConfigOf(path.join(__dirname, "..", "Pulumi.us-east.yaml"));
            const peers = JSON.parse(variant["agogsaas:peers"]) as Record<string, unknown>[];
            assert.ok(peers.length > 0 && peers.every((p) => p.stackReference === undefined && typeof p.graphqlUrl === "string" && p.database !== undefined));
            const facilities = (raw: Record<string, string>) => JSON.parse(raw["agogsaas:facilities"]) as Record<string, unknown>[];
            assert.ok(facilities(shipped).some((f) => f.edgeDeployment === "stacks"), "the shipped us-east has an edge stack");
            assert.deepStrictEqual(facilities(variant).map((f) => [f.id, f.edgeDeployment, f.edgeStack]), facilities(shipped).map((f) => [f.id, f.edgeDeployment === "stacks" ? undefined : f.edgeDeployment, undefined]));
            for (const key of Object.keys(shipped).filter((k) => !["agogsaas:peers", "agogsaas:facilities"].includes(k))) assert.strictEqual(variant[key], shipped[key], key);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
