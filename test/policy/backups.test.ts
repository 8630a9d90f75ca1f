import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as azure from "@pulumi/azure-native";
import * as docker from "@pulumi/docker";
import { EdgeSite } from "../../components/edge-site/edge-site";
import { BACKUP_TARGET_LABELS } from "../../components/edge-site/internal/backup";
import { residencyTags } from "../../components/shared/sovereignty";
import { assertViolations, evaluateProgram } from "./helpers";

const POLICY = "backups-stay-in-zone";
const EU = { "aws:region": "eu-central-1" };

describe("policy: backups-stay-in-zone", () => {
    it("flags an RDS snapshot copy to another zone's region; passes one inside the zone", async () => {
        const result = await evaluateProgram({
            zone: "eu", config: EU,
            program: () => {
                const source = "arn:aws:rds:eu-central-1:123456789012:snapshot:orders-2024";
                new aws.rds.SnapshotCopy("to-virginia", { sourceDbSnapshotIdentifier: source, targetDbSnapshotIdentifier: "a", destinationRegion: "us-east-1" });
                new aws.rds.SnapshotCopy("to-ireland", { sourceDbSnapshotIdentifier: source, targetDbSnapshotIdentifier: "b", destinationRegion: "eu-west-1" });
            },
        });
        assertViolations(result, POLICY, 1, "to-virginia", /destination region is in "us-east-1" \(zone us\), outside sovereignty zone "eu"/);
    });

    it("flags automated-backup replication from a US instance, a backup copy action and a DynamoDB replica outside the zone", async () => {
        const result = await evaluateProgram({
            zone: "eu", config: EU,
            program: () => {
                new aws.rds.InstanceAutomatedBackupsReplication("pitr-copy", { sourceDbInstanceArn: "arn:aws:rds:us-east-1:123456789012:db:orders" });
                new aws.backup.Plan("plan", {
                    rules: [{ ruleName: "daily", targetVaultName: "local", schedule: "cron(0 3 * * ? *)",
                        copyActions: [{ destinationVaultArn: "arn:aws:backup:ap-southeast-1:123456789012:backup-vault:far" }] }],
                });
                new aws.dynamodb.Table("sessions", {
                    hashKey: "id", attributes: [{ name: "id", type: "S" }], billingMode: "PAY_PER_REQUEST", tags: residencyTags("eu", "personal"),
                    replicas: [{ regionName: "eu-west-1" }, { regionName: "us-west-2" }],
                });
            },
        });
        const found = assertViolations(result, POLICY, 3);
        assert.deepStrictEqual(found.map((v) => `${v.name}: ${v.message}`).sort(), [
            "pitr-copy: source instance (sourceDbInstanceArn) is in \"us-east-1\" (zone us), outside sovereignty zone \"eu\"",
            "plan: rules[0].copyActions[0].destinationVaultArn is in \"ap-southeast-1\" (zone apac), outside sovereignty zone \"eu\"",
            "sessions: replicas[1].regionName is in \"us-west-2\" (zone us), outside sovereignty zone \"eu\"",
        ]);
    });

    it("flags Azure geo-redundant backup whose paired location leaves the zone (Sweden Central -> Sweden South)", async () => {
        const result = await evaluateProgram({
            zone: "eu",
            program: () => {
                const server = (name: string, location: string) => new azure.dbforpostgresql.Server(name, {
                    resourceGroupName: "rg", location, tags: residencyTags("eu", "personal"),
                    network: { publicNetworkAccess: "Disabled" }, backup: { geoRedundantBackup: "Enabled", backupRetentionDays: 35 },
                });
                server("frankfurt", "germanywestcentral"); // pairs with germanynorth: EU
                server("stockholm", "swedencentral");
                server("warsaw", "polandcentral"); // no pair at all
                new azure.storage.StorageAccount("grs", { resourceGroupName: "rg", location: "swedencentral", kind: "StorageV2", sku: { name: "Standard_GRS" }, tags: residencyTags("eu", "operational") });
            },
        });
        const found = assertViolations(result, POLICY, 3);
        assert.deepStrictEqual(found.map((v) => v.name).sort(), ["grs", "stockholm", "warsaw"]);
        assert.match(found.find((v) => v.name === "warsaw")!.message, /no pair for polandcentral/);
    });

    it("passes an RDS standby (read replica) in a second region of the zone; flags one in another zone, either end", async () => {
        const replica = (name: string, source: string, region: string) => new aws.rds.Instance(name, {
            replicateSourceDb: source, instanceClass: "db.r6g.large", storageEncrypted: true, publiclyAccessible: false, region, tags: residencyTags("us", "personal"),
        });
        const result = await evaluateProgram({
            zone: "us", config: { "aws:region": "us-east-1" },
            program: () => {
                const virginia = "arn:aws:rds:us-east-1:123456789012:db:orders";
                replica("standby-oregon", virginia, "us-west-2");
                replica("standby-frankfurt", virginia, "eu-central-1");
                replica("from-frankfurt", "arn:aws:rds:eu-central-1:123456789012:db:bestellungen", "us-west-2");
            },
        });
        const found = assertViolations(result, POLICY, 2);
        assert.deepStrictEqual(found.map((v) => `${v.name}: ${v.message}`).sort(), [
            "from-frankfurt: replication source (replicateSourceDb) is in \"eu-central-1\" (zone eu), outside sovereignty zone \"us\"",
            "standby-frankfurt: read replica (replicateSourceDb) is in \"eu-central-1\" (zone eu), outside sovereignty zone \"us\"",
        ]);
    });

    it("passes an Azure Flexible Server replica in a location of the zone; flags one outside it", async () => {
        const result = await evaluateProgram({
            zone: "eu",
            program: () => {
                const replica = (name: string, location: string) => new azure.dbforpostgresql.Server(name, {
                    resourceGroupName: "rg", location, createMode: "Replica", tags: residencyTags("eu", "personal"), network: { publicNetworkAccess: "Disabled" },
                    sourceServerResourceId: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/frankfurt",
                });
                replica("standby-amsterdam", "westeurope");
                replica("standby-virginia", "eastus");
            },
        });
        assertViolations(result, POLICY, 1, "standby-virginia", /read replica \(createMode Replica\) is in "eastus" \(zone us\), outside sovereignty zone "eu"/);
    });

    it("flags an S3 replication rule to a bucket in another zone's region (stack policy)", async () => {
        const result = await evaluateProgram({
            zone: "eu", config: EU,
            program: () => {
                const tags = residencyTags("eu", "operational");
                const source = new aws.s3.Bucket("reports", { tags });
                const local = new aws.s3.Bucket("reports-dr", { tags, region: "eu-west-1" });
                const far = new aws.s3.Bucket("reports-us", { tags, region: "us-east-1" });
                const rule = (id: string, destination: aws.s3.Bucket) => ({ id, status: "Enabled", destination: { bucket: destination.arn } });
                new aws.s3.BucketReplicationConfig("to-dr", { bucket: source.id, role: "arn:aws:iam::123456789012:role/repl", rules: [rule("dr", local)] });
                new aws.s3.BucketReplicationConfig("to-us", { bucket: source.id, role: "arn:aws:iam::123456789012:role/repl", rules: [rule("us", far)] });
            },
        });
        assertViolations(result, "s3-replication-stays-in-zone", 1, "to-us", /replicates to bucket reports-us in zone us, outside sovereignty zone "eu"/);
    });

    it("flags replication to a bucket outside the stack, whose region cannot be verified", async () => {
        const result = await evaluateProgram({
            zone: "eu", config: EU,
            program: () => {
                const source = new aws.s3.Bucket("reports", { tags: residencyTags("eu", "operational") });
                new aws.s3.BucketReplicationConfig("external", {
                    bucket: source.id, role: "arn:aws:iam::123456789012:role/repl",
                    rules: [{ id: "x", status: "Enabled", destination: { bucket: "arn:aws:s3:::someone-elses-bucket" } }],
                });
            },
        });
        assertViolations(result, "s3-replication-stays-in-zone", 1, "external", /arn:aws:s3:::someone-elses-bucket, a bucket outside this stack/);
    });

    describe("edge off-site backup containers", () => {
        const target = (cloud: string, region: string) => [
            { label: BACKUP_TARGET_LABELS.cloud, value: cloud },
            { label: BACKUP_TARGET_LABELS.region, value: region },
            { label: BACKUP_TARGET_LABELS.bucket, value: "edge-backups" },
        ];
        const container = (name: string, labels: { label: string; value: string }[]) =>
            new docker.Container(name, { image: "rclone/rclone:1.68.2", memory: 256, cpus: "0.25", labels });

        it("passes an EdgeSite whose off-site copy goes to its own zone", async () => {
            const result = await evaluateProgram({
                zone: "eu",
                program: () => new EdgeSite("fra", {
                    facilityId: "facility-fra-001", tenantId: "tenant-foo-inc", zone: "eu", dockerHost: "ssh://agog@edge-fra-001.vpn.example.com",
                    images: { backend: "ghcr.io/agogsaas/backend:1.4.2", healthMonitor: "ghcr.io/agogsaas/health-monitor:1.4.2" },
                    regionalApiUrl: "https://eu-central.example.com", regionalHealthUrl: "https://eu-central.example.com/edge/health",
                    backup: { offsite: { cloud: "azure", storageAccount: "agogsaaseu", container: "edge-backups", location: "germanywestcentral", sasUrl: "https://agogsaaseu.blob.core.windows.net/edge-backups?sv=x" } },
                }),
            });
            assertViolations(result, POLICY, 0);
        });

        it("flags a backup container (written outside EdgeSite) whose target is in another zone, or does not say where", async () => {
            const result = await evaluateProgram({
                zone: "eu",
                program: () => {
                    container("to-frankfurt", target("aws", "eu-central-1"));
                    container("to-virginia", target("aws", "us-east-1"));
                    container("to-eastus", target("azure", "East US"));
                    container("nowhere", target("aws", "").slice(0, 1));
                    container("other-cloud", target("gcp", "europe-west3"));
                    container("not-a-backup", [{ label: "agogsaas.facility-id", value: "facility-fra-001" }]);
                },
            });
            const found = assertViolations(result, POLICY, 4);
            assert.deepStrictEqual(found.map((v) => v.name).sort(), ["nowhere", "other-cloud", "to-eastus", "to-virginia"]);
            assert.match(found.find((v) => v.name === "to-virginia")!.message, /off-site backup target edge-backups \(label agogsaas\.backup-target-region\) is in "us-east-1" \(zone us\), outside sovereignty zone "eu"/);
            assert.match(found.find((v) => v.name === "other-cloud")!.message, /unknown cloud "gcp"/);
        });
    });
});
