import * as aws from "@pulumi/aws";
import * as azure from "@pulumi/azure-native";
import { residencyTags } from "../../components/shared/sovereignty";
import { assertViolations, evaluateProgram } from "./helpers";

const tags = residencyTags("us", "personal");
const US = { "aws:region": "us-east-1" };

describe("policy: data-store-encrypted / data-store-not-public", () => {
    it("flags a public RDS instance and an unencrypted one; passes a private encrypted one", async () => {
        const result = await evaluateProgram({
            zone: "us", config: US,
            program: () => {
                const base = { instanceClass: "db.t4g.micro", engine: "postgres", allocatedStorage: 20, tags };
                new aws.rds.Instance("public-db", { ...base, storageEncrypted: true, publiclyAccessible: true });
                new aws.rds.Instance("plain-db", { ...base, storageEncrypted: false });
                new aws.rds.Instance("good-db", { ...base, storageEncrypted: true, publiclyAccessible: false });
            },
        });
        assertViolations(result, "data-store-not-public", 1, "public-db", /`publiclyAccessible` is true/);
        assertViolations(result, "data-store-encrypted", 1, "plain-db", /`storageEncrypted` must be true/);
    });

    it("flags a security group opening PostgreSQL to 0.0.0.0/0 but not HTTPS", async () => {
        const result = await evaluateProgram({
            zone: "us", config: US,
            program: () => {
                new aws.ec2.SecurityGroup("db-open", { ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] }] });
                new aws.ec2.SecurityGroup("web", { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] });
                new aws.ec2.SecurityGroup("db-vpc", { ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }] });
                new aws.vpc.SecurityGroupIngressRule("redis-open", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 6379, toPort: 6379, cidrIpv4: "0.0.0.0/0" });
            },
        });
        const found = assertViolations(result, "data-store-not-public", 2, undefined, /ingress from anywhere on data port\(s\)/);
        found.sort((a, b) => a.name!.localeCompare(b.name!));
        assertViolations({ ...result, violations: [found[0]] }, "data-store-not-public", 1, "db-open", /5432/);
        assertViolations({ ...result, violations: [found[1]] }, "data-store-not-public", 1, "redis-open", /6379/);
    });

    it("flags an Azure PostgreSQL server with public network access and an all-addresses firewall rule", async () => {
        const result = await evaluateProgram({
            zone: "eu",
            program: () => {
                new azure.dbforpostgresql.Server("open", { resourceGroupName: "rg", location: "westeurope", network: { publicNetworkAccess: "Enabled" }, tags: residencyTags("eu", "personal") });
                new azure.dbforpostgresql.Server("closed", { resourceGroupName: "rg", location: "westeurope", network: { publicNetworkAccess: "Disabled" }, tags: residencyTags("eu", "personal") });
                new azure.dbforpostgresql.FirewallRule("everyone", { resourceGroupName: "rg", serverName: "open", startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" });
            },
        });
        const found = assertViolations(result, "data-store-not-public", 2);
        found.sort((a, b) => a.name!.localeCompare(b.name!));
        assertViolations({ ...result, violations: [found[0]] }, "data-store-not-public", 1, "everyone", /admits every IPv4 address/);
        assertViolations({ ...result, violations: [found[1]] }, "data-store-not-public", 1, "open", /publicNetworkAccess` is Enabled/);
    });

    it("flags a public-read S3 bucket ACL", async () => {
        const result = await evaluateProgram({
            zone: "us", config: US,
            program: () => { new aws.s3.BucketAcl("acl", { bucket: "b", acl: "public-read" }); },
        });
        assertViolations(result, "data-store-not-public", 1, "acl", /ACL "public-read"/);
    });
});
