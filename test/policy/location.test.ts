import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as azure from "@pulumi/azure-native";
import { assertViolations, evaluateProgram } from "./helpers";

const rds = (name: string, extra: Partial<aws.rds.InstanceArgs> = {}, opts?: any) =>
    new aws.rds.Instance(name, { instanceClass: "db.t4g.micro", engine: "postgres", allocatedStorage: 20, storageEncrypted: true, ...extra }, opts);

describe("policy: aws-region-in-zone / azure-location-in-zone", () => {
    it("flags an RDS instance in us-east-1 in the eu-central (zone eu) stack, via the default provider", async () => {
        const result = await evaluateProgram({ zone: "eu", config: { "aws:region": "us-east-1" }, program: () => { rds("orders-db"); } });
        assertViolations(result, "aws-region-in-zone", 1, "orders-db", /"us-east-1" \(from the provider\), outside sovereignty zone "eu".*eu-central-1/);
        assert.strictEqual(result.violations.find((v) => v.policy === "aws-region-in-zone")!.enforcementLevel, "mandatory");
    });

    it("flags a per-resource region outside the zone even when the provider is in the zone", async () => {
        const result = await evaluateProgram({
            zone: "eu", config: { "aws:region": "eu-central-1" },
            program: () => { rds("ok-db"); rds("stray-db", { region: "us-west-2" }); },
        });
        assertViolations(result, "aws-region-in-zone", 1, "stray-db", /"us-west-2" \(from the resource\)/);
    });

    it("reads the region of an explicit provider resource", async () => {
        const result = await evaluateProgram({
            zone: "apac",
            program: () => {
                const sg = new aws.Provider("singapore", { region: "ap-southeast-1" });
                const va = new aws.Provider("virginia", { region: "us-east-1" });
                rds("sha-db", {}, { provider: sg });
                rds("leak-db", {}, { provider: va });
            },
        });
        // The provider resource itself is outside the zone too.
        const found = assertViolations(result, "aws-region-in-zone", 2);
        assert.deepStrictEqual(found.map((v) => v.name).sort(), ["leak-db", "virginia"]);
    });

    it("passes resources in the zone and exempts global services (IAM, Route 53, CloudFront)", async () => {
        const result = await evaluateProgram({
            zone: "eu", config: { "aws:region": "us-east-1" },
            program: () => {
                new aws.iam.Role("ci", { assumeRolePolicy: "{}" });
                new aws.route53.Zone("dns", { name: "agogsaas.example.com" });
                new aws.cloudfront.OriginAccessIdentity("oai", {});
                rds("eu-db", { region: "eu-central-1" });
            },
        });
        assertViolations(result, "aws-region-in-zone", 0);
    });

    it("flags an Azure server in eastus for zone eu, passes germanywestcentral, exempts location global", async () => {
        const result = await evaluateProgram({
            zone: "eu",
            program: () => {
                const server = (name: string, location: string) => new azure.dbforpostgresql.Server(name, {
                    resourceGroupName: "rg", location, version: "16", network: { publicNetworkAccess: "Disabled" },
                });
                server("us-server", "eastus");
                server("de-server", "Germany West Central");
                new azure.dns.Zone("dns", { resourceGroupName: "rg", location: "global", zoneName: "agogsaas.example.com" });
            },
        });
        assertViolations(result, "azure-location-in-zone", 1, "us-server", /Azure location "eastus".*outside sovereignty zone "eu"/);
    });

    it("uses the azure-native provider's location when the resource has none", async () => {
        const result = await evaluateProgram({
            zone: "eu", config: { "azure-native:location": "eastus" },
            program: () => { new azure.resources.ResourceGroup("rg", {}); },
        });
        assertViolations(result, "azure-location-in-zone", 1, "rg", /"eastus" \(from the provider\)/);
    });

    it("does not report a region unknown during preview (deferred, checked when known)", async () => {
        const result = await evaluateProgram({
            zone: "eu", preview: true,
            program: () => {
                // The mock gives a bucket no `region` output: unknown during preview, as an unset output is.
                const bucket = new aws.s3.Bucket("source", {});
                rds("later-db", { region: bucket.region });
            },
        });
        assertViolations(result, "aws-region-in-zone", 0);
        assert.ok(result.deferred.some((d) => d.policy === "aws-region-in-zone" && /can't run during preview/.test(d.message)), JSON.stringify(result.deferred));
    });

    it("refuses to run without a zone in the policy config, naming the key", async () => {
        await assert.rejects(
            evaluateProgram({ zone: null, program: () => { rds("db"); } }),
            /policy config of aws-region-in-zone: "zone" is required/,
        );
        await assert.rejects(
            evaluateProgram({ zone: "mars", program: () => { rds("db"); } }),
            /"zone" is "mars"; allowed: "us", "eu", "apac"/,
        );
    });
});
