import * as assert from "assert";
import { synthesize, SynthError, SynthResource, SynthResult, REDACTED } from "../tools/synth/mock-runtime";
import { RegionalCluster, RegionalClusterArgs } from "../components/regional-cluster/regional-cluster";
import { capacityParameters, regionalReplicationCapacity } from "../components/replication/capacity";
import { ADDON_NAMESPACES, ADDON_POD_SECURITY, CHARTS } from "../components/regional-cluster/internal/addons";
import { awsSubnetCidrs } from "../components/regional-cluster/internal/aws";
import { azureSubnetCidrs } from "../components/regional-cluster/internal/azure";
import { POD_SECURITY_EXCEPTION_ANNOTATION, isDefaultDeny } from "../components/k8s/tenancy";
import { ZONE_RULES } from "../components/shared/sovereignty";
import { formatSchemaErrors, validateKubernetesResources } from "./support/k8s-schema";
import { evaluatePolicies } from "../tools/policy/evaluate";

const AWS_ARGS: RegionalClusterArgs = { cloud: "aws", zone: "us", region: "us-east-1", replication: { edges: 10, peerRegions: 2 } };
const AZURE_ARGS: RegionalClusterArgs = { cloud: "azure", zone: "eu", region: "germanywestcentral", replication: { edges: 10, peerRegions: 2 } };

async function synthCluster(args: RegionalClusterArgs, extra?: (cluster: RegionalCluster) => void): Promise<SynthResult> {
    return synthesize({
        project: "agogsaas", stack: "test",
        program: () => {
            const cluster = new RegionalCluster("region", args);
            extra?.(cluster);
            return { kubeconfig: cluster.kubeconfig, clusterName: cluster.clusterName, dbHost: cluster.database.host, dbPassword: cluster.database.adminPassword };
        },
    });
}

const ofType = (result: SynthResult, type: string): SynthResource[] => result.resources.filter((r) => r.type === type);
const one = (result: SynthResult, type: string): SynthResource => {
    const found = ofType(result, type);
    assert.strictEqual(found.length, 1, `expected exactly one ${type}, got ${found.length}`);
    return found[0];
};

/** Runs a program that must fail validation: returns the message and checks nothing was registered. */
async function expectRejected(args: unknown): Promise<string> {
    try {
        await synthCluster(args as RegionalClusterArgs);
    } catch (err) {
        assert.ok(err instanceof SynthError, `expected a SynthError, got ${String(err)}`);
        assert.deepStrictEqual(err.partial.resources.map((r) => r.type), [], "nothing may be registered before validation fails");
        return err.message;
    }
    assert.fail("the program should have been rejected");
}

function assertCommonKubernetesParts(result: SynthResult): void {
    const releases = ofType(result, "kubernetes:helm.sh/v3:Release");
    const byChart = new Map(releases.map((r) => [String(r.inputs.chart), r]));
    for (const chart of Object.values(CHARTS)) {
        const release = byChart.get(chart.chart);
        assert.ok(release, `Helm release for ${chart.chart}`);
        assert.strictEqual(release!.inputs.version, chart.version, `${chart.chart} is pinned`);
        if ("repo" in chart) assert.deepStrictEqual(release!.inputs.repositoryOpts, { repo: chart.repo });
    }
    const provider = one(result, "pulumi:providers:kubernetes");
    assert.deepStrictEqual(provider.secretPaths, ["kubeconfig"], "the kubeconfig reaches the provider as a secret");
    for (const release of releases) assert.strictEqual(release.provider, provider.urn, `${release.name} installs through the cluster's provider`);
    const nats = byChart.get(CHARTS.nats.chart)!;
    assert.strictEqual((nats.inputs.values as any).config.jetstream.enabled, true, "NATS runs JetStream");
    const monitoring = byChart.get(CHARTS.monitoring.chart)!;
    assert.ok(monitoring.secretPaths.includes("values.grafana.adminPassword"), "Grafana's admin password is secret");

    const report = validateKubernetesResources(result);
    assert.deepStrictEqual(report.errors, [], formatSchemaErrors(report));
    const namespaces = ofType(result, "kubernetes:core/v1:Namespace");
    const policies = ofType(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    assert.strictEqual(namespaces.length, 4);
    assert.strictEqual(report.checked.length, namespaces.length + policies.length, "namespaces and their NetworkPolicies, nothing else outside the charts");
    // Every add-on namespace: default-deny and a Pod Security level, below restricted only with a reason.
    for (const ns of namespaces) {
        const metadata = ns.inputs.metadata as { name: string; labels: Record<string, string>; annotations: Record<string, string> };
        const own = policies.filter((p) => (p.inputs.metadata as { namespace: string }).namespace === metadata.name);
        assert.ok(own.some((p) => isDefaultDeny(p.inputs.spec)), `${metadata.name} has a default-deny NetworkPolicy`);
        const level = metadata.labels["pod-security.kubernetes.io/enforce"];
        assert.strictEqual(level, ADDON_POD_SECURITY[(Object.keys(ADDON_NAMESPACES) as Array<keyof typeof ADDON_NAMESPACES>).find((k) => ADDON_NAMESPACES[k] === metadata.name)!].level);
        assert.strictEqual(metadata.labels["pod-security.kubernetes.io/warn"], "restricted");
        if (level !== "restricted") assert.ok(metadata.annotations[POD_SECURITY_EXCEPTION_ANNOTATION].length > 20, `${metadata.name} says why it enforces ${level}`);
        for (const p of own) assert.strictEqual(p.provider, provider.urn);
    }

    assert.strictEqual(result.outputs.kubeconfig, REDACTED);
    assert.ok(result.secretOutputs.includes("kubeconfig") && result.secretOutputs.includes("dbPassword"));
    assert.ok(!JSON.stringify(result).includes("mock-password"), "no generated password in plain text anywhere");
}

describe("RegionalCluster", () => {
    describe("AWS (us-east-1)", () => {
        let result: SynthResult;
        before(async () => { result = await synthCluster(AWS_ARGS); });

        it("registers the expected resource types under the component", () => {
            const component = one(result, "agogsaas:regional:RegionalCluster");
            const counts = (type: string) => ofType(result, type).length;
            assert.strictEqual(counts("aws:ec2/vpc:Vpc"), 1);
            assert.strictEqual(counts("aws:ec2/subnet:Subnet"), 9, "public, app and data subnet per AZ");
            assert.strictEqual(counts("aws:ec2/natGateway:NatGateway"), 3, "one NAT per AZ");
            assert.strictEqual(counts("aws:eks/cluster:Cluster"), 1);
            assert.strictEqual(counts("aws:eks/nodeGroup:NodeGroup"), 1);
            assert.strictEqual(counts("aws:rds/instance:Instance"), 1);
            assert.strictEqual(counts("aws:rds/parameterGroup:ParameterGroup"), 1);
            assert.strictEqual(counts("kubernetes:helm.sh/v3:Release"), 4);
            // Everything sits under the component (directly or through a child), nothing at the top level.
            const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
            for (const r of result.resources) {
                if (r === component) continue;
                let ancestor = r.parent;
                while (ancestor !== undefined && ancestor !== component.urn) ancestor = byUrn.get(ancestor)?.parent;
                assert.strictEqual(ancestor, component.urn, `${r.type} ${r.name} is not under the RegionalCluster`);
            }
        });

        it("sends every AWS resource through one provider pinned to the region", () => {
            const provider = one(result, "pulumi:providers:aws");
            assert.strictEqual(provider.inputs.region, "us-east-1");
            const awsResources = result.resources.filter((r) => r.type.startsWith("aws:"));
            assert.ok(awsResources.length > 30);
            for (const r of awsResources) assert.strictEqual(r.provider, provider.urn, `${r.type} ${r.name}`);
        });

        it("spreads subnets over three AZs of the region, private ones without public IPs", () => {
            const subnets = ofType(result, "aws:ec2/subnet:Subnet");
            const zones = new Set(subnets.map((s) => s.inputs.availabilityZone));
            assert.deepStrictEqual([...zones].sort(), ["us-east-1a", "us-east-1b", "us-east-1c"]);
            for (const s of subnets) assert.notStrictEqual(s.inputs.mapPublicIpOnLaunch, true);
            const eks = one(result, "aws:eks/cluster:Cluster");
            const appSubnetUrns = subnets.filter((s) => s.name.includes("-app-")).map((s) => s.name);
            assert.strictEqual((eks.inputs.vpcConfig as any).subnetIds.length, 3);
            assert.strictEqual(appSubnetUrns.length, 3);
        });

        it("runs RDS PostgreSQL 16 Multi-AZ, encrypted, private, with PITR and deletion protection", () => {
            const db = one(result, "aws:rds/instance:Instance").inputs;
            assert.strictEqual(db.engine, "postgres");
            assert.strictEqual(db.engineVersion, "16");
            assert.strictEqual(db.multiAz, true);
            assert.strictEqual(db.storageEncrypted, true);
            assert.strictEqual(db.publiclyAccessible, false);
            assert.ok((db.backupRetentionPeriod as number) >= 7);
            assert.strictEqual(db.deletionProtection, true);
            assert.strictEqual(db.skipFinalSnapshot, false);
            assert.strictEqual(db.password, REDACTED);
            assert.deepStrictEqual(db.tags, { "data-residency": "us", "data-classification": "personal", "managed-by": "pulumi", "part-of": "agogsaas" });
        });

        it("sets logical replication and the capacity computed from the topology in the parameter group", () => {
            const group = one(result, "aws:rds/parameterGroup:ParameterGroup").inputs;
            assert.strictEqual(group.family, "postgres16");
            const params = Object.fromEntries((group.parameters as Array<{ name: string; value: string; applyMethod: string }>).map((p) => [p.name, p]));
            assert.strictEqual(params["rds.logical_replication"].value, "1");
            // 10 edges, 2 peers: the documented worked example.
            assert.strictEqual(params.max_replication_slots.value, "26");
            assert.strictEqual(params.max_wal_senders.value, "28");
            assert.strictEqual(params.max_logical_replication_workers.value, "26");
            assert.strictEqual(params.max_worker_processes.value, "35");
            for (const [name, value] of Object.entries(capacityParameters(regionalReplicationCapacity({ edges: 10, peerRegions: 2 })))) {
                assert.strictEqual(params[name].value, value, name);
            }
            assert.strictEqual(params.max_worker_processes.applyMethod, "pending-reboot", "static parameters wait for a reboot");
            assert.strictEqual(params.max_slot_wal_keep_size.value, String(128 * 1024 / 4));
        });

        it("allows PostgreSQL only from inside the VPC and replication egress only on 5432", () => {
            const sg = one(result, "aws:ec2/securityGroup:SecurityGroup").inputs;
            assert.deepStrictEqual((sg.ingress as any[]).map((r) => [r.protocol, r.fromPort, r.toPort, r.cidrBlocks]), [["tcp", 5432, 5432, ["10.40.0.0/16"]]]);
            assert.deepStrictEqual((sg.egress as any[]).map((r) => [r.fromPort, r.toPort]), [[5432, 5432]]);
            const subnetGroup = one(result, "aws:rds/subnetGroup:SubnetGroup").inputs;
            assert.strictEqual((subnetGroup.subnetIds as string[]).length, 3);
        });

        it("grants the EKS roles only the managed policies EKS requires", () => {
            const attached = ofType(result, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((r) => String(r.inputs.policyArn)).sort();
            assert.deepStrictEqual(attached, [
                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
                "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
            ]);
            assert.strictEqual(ofType(result, "aws:iam/rolePolicy:RolePolicy").length, 0, "no inline policies");
            const nodeGroup = one(result, "aws:eks/nodeGroup:NodeGroup").inputs;
            assert.deepStrictEqual(nodeGroup.scalingConfig, { desiredSize: 3, minSize: 3, maxSize: 9 });
            const eks = one(result, "aws:eks/cluster:Cluster").inputs;
            assert.strictEqual(eks.version, "1.32");
            assert.deepStrictEqual((eks.encryptionConfig as any).resources, ["secrets"]);
        });

        it("installs the add-ons with pinned charts through the cluster's provider and valid namespaces", () => {
            assertCommonKubernetesParts(result);
        });
    });

    describe("Azure (germanywestcentral)", () => {
        let result: SynthResult;
        before(async () => { result = await synthCluster(AZURE_ARGS); });

        it("registers the expected resource types", () => {
            for (const type of [
                "azure-native:resources:ResourceGroup", "azure-native:network:VirtualNetwork", "azure-native:containerservice:ManagedCluster",
                "azure-native:dbforpostgresql:Server", "azure-native:privatedns:PrivateZone", "azure-native:privatedns:VirtualNetworkLink",
            ]) one(result, type);
            assert.strictEqual(ofType(result, "azure-native:network:Subnet").length, 2);
            assert.strictEqual(ofType(result, "kubernetes:helm.sh/v3:Release").length, 4);
            assert.strictEqual(result.resources.filter((r) => r.type.startsWith("aws:")).length, 0);
        });

        it("keeps every located resource in germanywestcentral (or Azure's global DNS)", () => {
            const located = result.resources.filter((r) => r.type.startsWith("azure-native:") && r.inputs.location !== undefined);
            assert.ok(located.length >= 6);
            for (const r of located) {
                const expected = r.type.startsWith("azure-native:privatedns:") ? "global" : "germanywestcentral";
                assert.strictEqual(r.inputs.location, expected, `${r.type} ${r.name}`);
            }
        });

        it("runs PostgreSQL Flexible Server 16, zone-redundant, private, backups kept in the region", () => {
            const server = one(result, "azure-native:dbforpostgresql:Server").inputs as any;
            assert.strictEqual(server.version, "16");
            assert.strictEqual(server.location, "germanywestcentral");
            assert.deepStrictEqual(server.highAvailability, { mode: "ZoneRedundant", standbyAvailabilityZone: "2" });
            assert.strictEqual(server.backup.geoRedundantBackup, "Disabled");
            assert.ok(server.backup.backupRetentionDays >= 7);
            assert.strictEqual(server.network.publicNetworkAccess, "Disabled");
            assert.ok(server.network.delegatedSubnetResourceId, "VNet-integrated");
            assert.deepStrictEqual(server.sku, { name: "Standard_D4ds_v5", tier: "GeneralPurpose" });
            assert.strictEqual(server.administratorLoginPassword, REDACTED);
            assert.strictEqual(server.tags["data-residency"], "eu");
            assert.strictEqual(server.tags["data-classification"], "personal");
            const dbSubnet = ofType(result, "azure-native:network:Subnet").find((s) => (s.inputs.delegations as any[] | undefined)?.length);
            assert.strictEqual((dbSubnet!.inputs.delegations as any[])[0].serviceName, "Microsoft.DBforPostgreSQL/flexibleServers");
        });

        it("sets wal_level=logical and the computed capacity as server configurations, one at a time", () => {
            const configs = ofType(result, "azure-native:dbforpostgresql:Configuration");
            const values: Record<string, unknown> = Object.fromEntries(configs.map((c) => [c.inputs.configurationName, c.inputs.value]));
            assert.strictEqual(values.max_wal_senders, "28");
            assert.ok(!("max_slot_wal_keep_size" in values), "read-only on Azure");
            assert.deepStrictEqual(values, { wal_level: "logical", ...capacityParameters(regionalReplicationCapacity({ edges: 10, peerRegions: 2 })) });
            // Each configuration waits for the previous one (Azure refuses concurrent updates).
            for (let i = 1; i < configs.length; i++) assert.ok(configs[i].dependencies.includes(configs[i - 1].urn), `${configs[i].name} waits for ${configs[i - 1].name}`);
        });

        it("runs AKS with a system-assigned identity over three zones", () => {
            const aks = one(result, "azure-native:containerservice:ManagedCluster").inputs as any;
            assert.deepStrictEqual(aks.identity, { type: "SystemAssigned" });
            assert.strictEqual(aks.kubernetesVersion, "1.32");
            assert.deepStrictEqual(aks.agentPoolProfiles[0].availabilityZones, ["1", "2", "3"]);
            assert.strictEqual(aks.agentPoolProfiles[0].minCount, 3);
            assert.strictEqual(aks.tags["data-residency"], "eu");
        });

        it("installs the add-ons with pinned charts through the cluster's provider and valid namespaces", () => {
            assertCommonKubernetesParts(result);
        });
    });

    describe("logical databases and rules", () => {
        it("creates an Azure database resource per call and refuses a duplicate name", async () => {
            const result = await synthCluster(AZURE_ARGS, (cluster) => {
                cluster.createDatabase("app-blue");
                cluster.createDatabase("app-green", { databaseName: "app_green" });
                assert.throws(() => cluster.createDatabase("again", { databaseName: "app_blue" }), /databaseName: database "app_blue" is already created/);
                assert.throws(() => cluster.createDatabase("Bad-Name"), /databaseName: "Bad_Name" is reserved or not a lower-case SQL identifier/);
            });
            const names = ofType(result, "azure-native:dbforpostgresql:Database").map((d) => d.inputs.databaseName).sort();
            assert.deepStrictEqual(names, ["app_blue", "app_green"]);
        });

        it("creates the AWS database as the plugin's PostgreSQL database resource, connection secret", async () => {
            const result = await synthCluster(AWS_ARGS, (cluster) => { cluster.createDatabase("app-blue"); });
            const dynamic = one(result, "agogsaas:postgres:Database");
            assert.strictEqual(dynamic.inputs.databaseName, "app_blue");
            assert.strictEqual(dynamic.inputs.connection, REDACTED);
            assert.ok(dynamic.secretPaths.includes("connection"));
            const db = one(result, "aws:rds/instance:Instance");
            assert.ok(dynamic.dependencies.includes(db.urn), "waits for the server");
        });

        it("adds Prometheus rules as a PrometheusRule through the cluster's provider", async () => {
            const result = await synthCluster(AZURE_ARGS, (cluster) => {
                cluster.addPrometheusRules("replication-alerts", [{ name: "replication", rules: [{ alert: "SlotLost", expr: "pg_replication_slot_lost > 0", for: "5m" }] }]);
            });
            const rule = one(result, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
            assert.strictEqual((rule.inputs.spec as any).groups[0].rules[0].alert, "SlotLost");
            assert.strictEqual(rule.provider, one(result, "pulumi:providers:kubernetes").urn);
            const skipped = validateKubernetesResources(result).skipped.map((s) => s.type);
            assert.deepStrictEqual(skipped, ["kubernetes:monitoring.coreos.com/v1:PrometheusRule"], "custom resources are reported as not schema-checked");
        });

        it("installs only the enabled add-ons and refuses rules without monitoring", async () => {
            const result = await synthCluster({ ...AWS_ARGS, addons: { redis: false, monitoring: false } }, (cluster) => {
                assert.throws(() => cluster.addPrometheusRules("x", [{ name: "g", rules: [{ record: "r", expr: "1" }] }]), /addons\.monitoring: Prometheus rules need the monitoring add-on/);
            });
            assert.deepStrictEqual(ofType(result, "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart).sort(), [CHARTS.ingressNginx.chart, CHARTS.nats.chart]);
        });

        it("lets database traffic go only to each cloud's PostgreSQL subnets, and add-on clients only from the namespaces given", async () => {
            const postgresPeers = (result: SynthResult) => (ofType(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
                .find((p) => (p.inputs.metadata as any).namespace === "monitoring" && (p.inputs.metadata as any).name === "allow-postgres")!.inputs.spec as any).egress[0];
            const aws = await synthCluster({ ...AWS_ARGS, networkCidr: "10.50.0.0/16", addonClientNamespaces: ["agogsaas"] });
            assert.deepStrictEqual(postgresPeers(aws).to, awsSubnetCidrs("10.50.0.0/16").data.map((cidr) => ({ ipBlock: { cidr } })));
            const natsClients = ofType(aws, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => (p.inputs.metadata as any).namespace === "nats" && (p.inputs.metadata as any).name === "allow-clients")!;
            assert.deepStrictEqual((natsClients.inputs.spec as any).ingress[0].from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "agogsaas" } } }]);
            const azure = await synthCluster({ ...AZURE_ARGS, networkCidr: "10.50.0.0/16" });
            assert.deepStrictEqual(postgresPeers(azure).to, [{ ipBlock: { cidr: azureSubnetCidrs("10.50.0.0/16").database } }]);
            assert.ok(!ofType(azure, "kubernetes:networking.k8s.io/v1:NetworkPolicy").some((p) => (p.inputs.metadata as any).name === "allow-clients"), "no client namespace: no way in");
        });

        it("copies the backups to a second region of the zone when asked, and the backup policy agrees", async () => {
            const aws = await synthCluster({ ...AWS_ARGS, database: { backupCopyRegion: "us-west-2" } });
            const copy = one(aws, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication");
            assert.strictEqual(copy.inputs.region, "us-west-2");
            assert.strictEqual(copy.inputs.retentionPeriod, 14);
            const key = ofType(aws, "aws:kms/key:Key").find((k) => k.inputs.region === "us-west-2");
            assert.ok(key, "a KMS key in the copy's region encrypts it");
            const evaluated = await evaluatePolicies(aws, { zone: "us" });
            assert.deepStrictEqual(evaluated.violations.filter((v) => v.policy === "backups-stay-in-zone"), []);
            // Without the arg: no copy anywhere.
            assert.strictEqual(ofType(await synthCluster(AWS_ARGS), "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication").length, 0);

            const azure = await synthCluster({ ...AZURE_ARGS, database: { backupCopyRegion: "germanynorth" } });
            assert.strictEqual((one(azure, "azure-native:dbforpostgresql:Server").inputs.backup as any).geoRedundantBackup, "Enabled");
            const azureEvaluated = await evaluatePolicies(azure, { zone: "eu" });
            assert.deepStrictEqual(azureEvaluated.violations.filter((v) => v.policy === "backups-stay-in-zone"), []);
        });

        it("builds a promotable standby in a second region of the zone when asked, and the policies agree", async () => {
            const aws = await synthCluster({ ...AWS_ARGS, database: { standbyRegion: "us-west-2" } });
            const instances = ofType(aws, "aws:rds/instance:Instance");
            assert.strictEqual(instances.length, 2, "the primary and its standby");
            const primary = instances.find((i) => i.inputs.replicateSourceDb === undefined)!;
            const replica = instances.find((i) => i.inputs.replicateSourceDb !== undefined)!;
            assert.match(String(replica.inputs.replicateSourceDb), /^arn:aws:rds:us-east-1:\d+:db:/, "a cross-region replica names its source by ARN");
            assert.ok(replica.dependencies.includes(primary.urn), "the replica's source is the primary");
            const providerOf = (r: SynthResource) => ofType(aws, "pulumi:providers:aws").find((p) => r.provider !== undefined && r.provider.startsWith(p.urn))!;
            assert.strictEqual(providerOf(replica).inputs.region, "us-west-2", "the replica goes through a provider pinned to the standby region");
            assert.strictEqual(providerOf(primary).inputs.region, "us-east-1");
            assert.deepStrictEqual(replica.inputs.tags, primary.inputs.tags, "same residency and classification tags");
            assert.strictEqual(replica.inputs.storageEncrypted, true);
            assert.strictEqual(replica.inputs.publiclyAccessible, false);
            assert.strictEqual(replica.inputs.username, undefined, "login comes from the source");
            // (the mock runtime leaves a KMS key's ARN unknown, so the key is found by name)
            const key = ofType(aws, "aws:kms/key:Key").find((k) => k.name === "region-standby-db");
            assert.ok(key, "the replica is encrypted with a key of its own region");
            assert.strictEqual(providerOf(key!).inputs.region, "us-west-2");
            assert.deepStrictEqual(key!.inputs.tags, primary.inputs.tags);
            const standbyParameters = ofType(aws, "aws:rds/parameterGroup:ParameterGroup").find((g) => g.provider === replica.provider)!;
            assert.ok((standbyParameters.inputs.parameters as Array<{ name: string; value: string }>).some((p) => p.name === "rds.logical_replication" && p.value === "1"), "promoted, it can run the mesh");
            // Everything of the standby lives in us-west-2; the policies find nothing to refuse.
            const evaluated = await evaluatePolicies(aws, { zone: "us" });
            assert.deepStrictEqual(evaluated.violations.filter((v) => ["backups-stay-in-zone", "aws-region-in-zone", "data-residency-tags"].includes(v.policy)), []);
            // Without the arg: no replica, no second provider.
            assert.strictEqual(ofType(await synthCluster(AWS_ARGS), "aws:rds/instance:Instance").length, 1);

            const azure = await synthCluster({ ...AZURE_ARGS, database: { standbyRegion: "West Europe" } });
            const servers = ofType(azure, "azure-native:dbforpostgresql:Server");
            assert.strictEqual(servers.length, 2);
            const source = servers.find((x) => x.inputs.createMode === "Create")!;
            const azureReplica = servers.find((x) => x.inputs.createMode === "Replica")!;
            assert.strictEqual(azureReplica.inputs.location, "westeurope");
            assert.ok(azureReplica.dependencies.includes(source.urn), "the replica's source is the primary");
            assert.match(String(azureReplica.inputs.sourceServerResourceId), /flexibleServers|region-db/);
            assert.strictEqual((azureReplica.inputs.network as any).publicNetworkAccess, "Disabled");
            assert.deepStrictEqual(azureReplica.inputs.tags, source.inputs.tags);
            const azureEvaluated = await evaluatePolicies(azure, { zone: "eu" });
            assert.deepStrictEqual(azureEvaluated.violations.filter((v) => ["backups-stay-in-zone", "azure-location-in-zone"].includes(v.policy)), []);
        });

        it("fences the Kubernetes API endpoint when apiAllowedCidrs is set, on both clouds", async () => {
            const aws = await synthCluster({ ...AWS_ARGS, apiAllowedCidrs: ["203.0.113.0/24"] });
            assert.deepStrictEqual((one(aws, "aws:eks/cluster:Cluster").inputs.vpcConfig as any).publicAccessCidrs, ["203.0.113.0/24"]);
            const azure = await synthCluster({ ...AZURE_ARGS, apiAllowedCidrs: ["203.0.113.0/24"] });
            assert.deepStrictEqual((one(azure, "azure-native:containerservice:ManagedCluster").inputs as any).apiServerAccessProfile, { authorizedIPRanges: ["203.0.113.0/24"] });
        });

        it("uses a precomputed capacity instead of the topology when given", async () => {
            const capacity = { maxReplicationSlots: 40, maxWalSenders: 42, maxLogicalReplicationWorkers: 30, maxWorkerProcesses: 48, maxSyncWorkersPerSubscription: 3 };
            const result = await synthCluster({ ...AZURE_ARGS, replicationCapacity: capacity });
            const values = Object.fromEntries(ofType(result, "azure-native:dbforpostgresql:Configuration").map((c) => [c.inputs.configurationName, c.inputs.value]));
            assert.strictEqual(values.max_wal_senders, "42");
            assert.strictEqual(values.max_worker_processes, "48");
        });
    });

    describe("rejects bad input before registering anything", () => {
        const cases: Array<[string, unknown, RegExp]> = [
            ["an AWS region outside the zone", { ...AWS_ARGS, zone: "eu", region: "us-east-1" },
                new RegExp(`^region: AWS region "us-east-1" is outside sovereignty zone "eu".*Allowed: .*"${ZONE_RULES.eu.awsRegions[0]}"`)],
            ["an Azure location outside the zone", { ...AZURE_ARGS, region: "eastus" }, /^region: Azure location "eastus" is outside sovereignty zone "eu".*"germanywestcentral"/],
            ["an unknown zone", { ...AWS_ARGS, zone: "mars" }, /^zone: unknown sovereignty zone "mars". Allowed: "us", "eu" or "apac"$/],
            ["an unknown cloud", { ...AWS_ARGS, cloud: "gcp" }, /^cloud: unknown cloud "gcp". Allowed: "aws" or "azure"$/],
            ["fewer than 3 nodes", { ...AWS_ARGS, nodes: { minCount: 1 } }, /^nodes\.minCount: must be an integer >= 3, got 1$/],
            ["more nodes than the maximum", { ...AWS_ARGS, nodes: { count: 12, maxCount: 10 } }, /^nodes\.count: must be between 3 and 10, got 12$/],
            ["a storage size Azure does not sell", { ...AZURE_ARGS, database: { storageGb: 100 } }, /^database\.storageGb: Azure Flexible Server does not offer 100 GiB. Allowed: 32, 64, 128/],
            ["tiny AWS storage", { ...AWS_ARGS, database: { storageGb: 5 } }, /^database\.storageGb: must be an integer >= 20, got 5$/],
            ["short backup retention", { ...AWS_ARGS, database: { backupRetentionDays: 3 } }, /^database\.backupRetentionDays: must be an integer >= 7, got 3$/],
            ["a Burstable Azure SKU", { ...AZURE_ARGS, database: { instanceClass: "Standard_B2s" } }, /^database\.instanceClass: Azure SKU "Standard_B2s" is not General Purpose or Memory Optimized/],
            ["a bad RDS class", { ...AWS_ARGS, database: { instanceClass: "r6g.large" } }, /^database\.instanceClass: "r6g.large" is not an RDS instance class/],
            ["a reserved admin user", { ...AWS_ARGS, database: { adminUser: "postgres" } }, /^database\.adminUser: "postgres" is reserved/],
            ["a Kubernetes version that is not a minor", { ...AWS_ARGS, kubernetesVersion: "latest" }, /^kubernetesVersion: must be a Kubernetes minor version like "1.32", got "latest"$/],
            ["a network that is not a /16", { ...AWS_ARGS, networkCidr: "10.0.0.0/24" }, /^networkCidr: must be an IPv4 CIDR with prefix \/16, got "10.0.0.0\/24"/],
            ["a negative edge count", { ...AWS_ARGS, replication: { edges: -1, peerRegions: 0 } }, /^replication\.edges: must be an integer >= 0, got -1$/],
            ["more edges than Azure's WAL sender cap", { ...AZURE_ARGS, replication: { edges: 200, peerRegions: 2 } }, /^replication\.edges: needs max_wal_senders = \d+, but Azure Flexible Server allows at most 100/],
            ["a malformed API CIDR", { ...AWS_ARGS, apiAllowedCidrs: ["10.0.0.300/8"] }, /^apiAllowedCidrs\[0\]: must be an IPv4 CIDR, got "10.0.0.300\/8"$/],
            ["a residency tag override", { ...AWS_ARGS, tags: { "data-residency": "us" } }, /^tags\.data-residency: is set by the sovereignty module/],
            ["a backup copy outside the zone", { ...AWS_ARGS, database: { backupCopyRegion: "eu-central-1" } }, /^database\.backupCopyRegion: AWS region "eu-central-1" is outside sovereignty zone "us"/],
            ["a backup copy in the server's own region", { ...AWS_ARGS, database: { backupCopyRegion: "us-east-1" } }, /^database\.backupCopyRegion: is the server's own region "us-east-1"/],
            ["an Azure backup copy elsewhere than the pair", { ...AZURE_ARGS, database: { backupCopyRegion: "westeurope" } }, /^database\.backupCopyRegion: Azure geo-redundant backup of "germanywestcentral" copies to its pair only. Allowed: "germanynorth"$/],
            ["an Azure backup copy whose pair leaves the zone", { ...AZURE_ARGS, region: "swedencentral", database: { backupCopyRegion: "swedensouth" } }, /^database\.backupCopyRegion: geo-redundant backup of "swedencentral" copies to its pair "swedensouth", which is outside sovereignty zone "eu"/],
            ["an Azure location without a pair", { ...AZURE_ARGS, region: "polandcentral", database: { backupCopyRegion: "x" } }, /^database\.backupCopyRegion: Azure location "polandcentral" has no paired location/],
            ["a standby in another zone", { ...AWS_ARGS, database: { standbyRegion: "eu-central-1" } },
                /^database\.standbyRegion: a standby in eu-central-1 \(zone eu\) would hold zone us personal data \("orders", .*\): only aggregate tables may leave zone us\. Allowed: "us-east-2", "us-west-1" or "us-west-2"/],
            ["a standby in the server's own region", { ...AWS_ARGS, database: { standbyRegion: "us-east-1" } }, /^database\.standbyRegion: is the server's own AWS region "us-east-1": a standby there does not survive a region outage/],
            ["an Azure standby in another zone", { ...AZURE_ARGS, database: { standbyRegion: "eastus" } }, /^database\.standbyRegion: a standby in eastus \(zone us\) would hold zone eu personal data/],
            ["a standby region that is no region", { ...AWS_ARGS, database: { standbyRegion: "mars-1" } }, /^database\.standbyRegion: AWS region "mars-1" belongs to no sovereignty zone/],
            ["add-on clients not a list", { ...AWS_ARGS, addonClientNamespaces: "agogsaas" }, /^addonClientNamespaces: must be a list of namespace names/],
            ["a bad add-on client namespace", { ...AWS_ARGS, addonClientNamespaces: ["agogsaas", "Apps"] }, /^addonClientNamespaces\[1\]: /],
        ];
        for (const [label, args, pattern] of cases) {
            it(label, async () => {
                const message = await expectRejected(args);
                assert.match(message, pattern);
            });
        }
    });
});
