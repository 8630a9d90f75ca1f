/**
 * The AWS regional tier: VPC over three AZs (public subnets for load balancers and NAT, private
 * subnets for nodes and for data), EKS with a managed node group, RDS PostgreSQL 16 Multi-AZ.
 * Every resource goes through an explicit provider pinned to the region, so the policy pack can
 * read the region from the provider.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { PostgresDatabase } from "../../postgres/database";
import type { RegionalCloudDeployer, ResolvedRegionalArgs } from "../args";

const AZ_COUNT = 3;
const POSTGRES_PORT = 5432;

/** RDS parameters that only take effect after a reboot (postmaster context). */
const STATIC_PARAMETERS = new Set([
    "rds.logical_replication", "max_replication_slots", "max_wal_senders", "max_logical_replication_workers", "max_worker_processes",
]);

/** The AWS managed policies EKS requires, and nothing more. */
const CLUSTER_POLICIES = ["AmazonEKSClusterPolicy"];
const NODE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"];

/** Subnet plan inside the /16: three tiers, one subnet per AZ. Nodes get the large ranges (VPC CNI gives pods VPC addresses). */
export function awsSubnetCidrs(networkCidr: string): { public: string[]; app: string[]; data: string[] } {
    const [a, b] = networkCidr.split(".");
    const base = `${a}.${b}`;
    return {
        public: [0, 16, 32].map((c) => `${base}.${c}.0/20`),
        app: [64, 96, 128].map((c) => `${base}.${c}.0/19`),
        data: [192, 208, 224].map((c) => `${base}.${c}.0/20`),
    };
}

function assumeRolePolicy(service: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    });
}

/** The RDS subnet group over the data subnets and the parameter group sizing logical replication for the mesh, of a primary or its standby. */
function databaseGroups(resourceName: string, label: string, dataSubnets: aws.ec2.Subnet[], s: ResolvedRegionalArgs, opts: pulumi.CustomResourceOptions) {
    const subnetGroup = new aws.rds.SubnetGroup(`${resourceName}-db`, { subnetIds: dataSubnets.map((subnet) => subnet.id), tags: s.tags }, opts);
    const parameterGroup = new aws.rds.ParameterGroup(`${resourceName}-pg16`, {
        family: "postgres16",
        description: `Logical replication sized for the mesh (${label})`,
        parameters: Object.entries(s.serverParameters).map(([parameterName, value]) => ({
            name: parameterName, value, applyMethod: STATIC_PARAMETERS.has(parameterName) ? "pending-reboot" : "immediate",
        })),
        tags: s.tags,
    }, opts);
    return { subnetGroup, parameterGroup };
}

function eksKubeconfig(clusterName: pulumi.Output<string>, endpoint: pulumi.Output<string>, caData: pulumi.Output<string>, region: string): pulumi.Output<string> {
    return pulumi.interpolate`apiVersion: v1
kind: Config
clusters:
- name: ${clusterName}
  cluster:
    server: ${endpoint}
    certificate-authority-data: ${caData}
contexts:
- name: ${clusterName}
  context:
    cluster: ${clusterName}
    user: ${clusterName}
current-context: ${clusterName}
users:
- name: ${clusterName}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: ["eks", "get-token", "--cluster-name", "${clusterName}", "--region", "${region}", "--output", "json"]
`;
}

export const deployAws: RegionalCloudDeployer = (name: string, s: ResolvedRegionalArgs, parent: pulumi.ComponentResource) => {
    const provider = new aws.Provider(`${name}-aws`, { region: s.region as aws.Region, defaultTags: { tags: s.tags } }, { parent });
    const opts = { parent, provider };
    const invokeOpts = { parent, provider };
    const partition = aws.getPartitionOutput({}, invokeOpts);
    const zones = aws.getAvailabilityZonesOutput({ state: "available", region: s.region }, invokeOpts).names;
    const zoneAt = (i: number) => zones.apply((names) => {
        if (names.length < AZ_COUNT) throw new Error(`region ${s.region} has only ${names.length} availability zones; RegionalCluster needs ${AZ_COUNT}`);
        return names[i];
    });
    const named = (suffix: string, extra: Record<string, string> = {}) => ({ ...s.tags, Name: `${name}-${suffix}`, ...extra });

    // ---- Network ------------------------------------------------------------------------------
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
        cidrBlock: s.networkCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: named("vpc"),
    }, opts);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: named("igw") }, opts);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public-rt`, {
        vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: named("public-rt"),
    }, opts);

    const cidrs = awsSubnetCidrs(s.networkCidr);
    const appSubnets: aws.ec2.Subnet[] = [];
    const dataSubnets: aws.ec2.Subnet[] = [];
    const publicSubnets: aws.ec2.Subnet[] = [];
    for (let i = 0; i < AZ_COUNT; i++) {
        const az = zoneAt(i);
        const pub = new aws.ec2.Subnet(`${name}-public-${i}`, {
            vpcId: vpc.id, cidrBlock: cidrs.public[i], availabilityZone: az, mapPublicIpOnLaunch: false,
            tags: named(`public-${i}`, { "kubernetes.io/role/elb": "1" }),
        }, opts);
        new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRoutes.id }, opts);
        publicSubnets.push(pub);

        // One NAT per AZ: losing a zone must not cut the other zones' egress (replication to edges).
        const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: named(`nat-${i}`) }, opts);
        const nat = new aws.ec2.NatGateway(`${name}-nat-${i}`, { subnetId: pub.id, allocationId: eip.id, tags: named(`nat-${i}`) }, { ...opts, dependsOn: [igw] });
        const privateRoutes = new aws.ec2.RouteTable(`${name}-private-rt-${i}`, {
            vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: named(`private-rt-${i}`),
        }, opts);

        const app = new aws.ec2.Subnet(`${name}-app-${i}`, {
            vpcId: vpc.id, cidrBlock: cidrs.app[i], availabilityZone: az,
            tags: named(`app-${i}`, { "kubernetes.io/role/internal-elb": "1" }),
        }, opts);
        const data = new aws.ec2.Subnet(`${name}-data-${i}`, {
            vpcId: vpc.id, cidrBlock: cidrs.data[i], availabilityZone: az, tags: named(`data-${i}`),
        }, opts);
        new aws.ec2.RouteTableAssociation(`${name}-app-${i}`, { subnetId: app.id, routeTableId: privateRoutes.id }, opts);
        new aws.ec2.RouteTableAssociation(`${name}-data-${i}`, { subnetId: data.id, routeTableId: privateRoutes.id }, opts);
        appSubnets.push(app);
        dataSubnets.push(data);
    }

    // ---- IAM (global service: the provider is still passed so the partition matches) ----------
    const managedPolicy = (policy: string) => pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/${policy}`;
    const clusterRole = new aws.iam.Role(`${name}-eks-cluster`, { assumeRolePolicy: assumeRolePolicy("eks.amazonaws.com"), tags: s.tags }, opts);
    const clusterAttachments = CLUSTER_POLICIES.map((policy) =>
        new aws.iam.RolePolicyAttachment(`${name}-eks-cluster-${policy}`, { role: clusterRole.name, policyArn: managedPolicy(policy) }, opts));
    const nodeRole = new aws.iam.Role(`${name}-eks-node`, { assumeRolePolicy: assumeRolePolicy(pulumi.interpolate`ec2.${partition.dnsSuffix}`), tags: s.tags }, opts);
    const nodeAttachments = NODE_POLICIES.map((policy) =>
        new aws.iam.RolePolicyAttachment(`${name}-eks-node-${policy}`, { role: nodeRole.name, policyArn: managedPolicy(policy) }, opts));

    // ---- EKS ------------------------------------------------------------------------------------
    const secretsKey = new aws.kms.Key(`${name}-eks-secrets`, {
        description: `Envelope encryption of Kubernetes secrets in ${name}`, enableKeyRotation: true, deletionWindowInDays: 30, tags: s.dataTags,
    }, opts);
    const cluster = new aws.eks.Cluster(`${name}-eks`, {
        roleArn: clusterRole.arn,
        version: s.kubernetesVersion,
        vpcConfig: {
            subnetIds: appSubnets.map((subnet) => subnet.id),
            endpointPrivateAccess: true,
            // Public endpoint so CI can deploy; access is still IAM-authenticated, optionally fenced.
            endpointPublicAccess: true,
            ...(s.apiAllowedCidrs.length > 0 ? { publicAccessCidrs: s.apiAllowedCidrs } : {}),
        },
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
        enabledClusterLogTypes: ["api", "audit", "authenticator"],
        tags: s.dataTags,
    }, { ...opts, dependsOn: clusterAttachments });
    const nodeGroup = new aws.eks.NodeGroup(`${name}-nodes`, {
        clusterName: cluster.name,
        nodeRoleArn: nodeRole.arn,
        subnetIds: appSubnets.map((subnet) => subnet.id),
        instanceTypes: [s.nodes.vmSize],
        diskSize: s.nodes.diskSizeGb,
        amiType: "AL2023_x86_64_STANDARD",
        scalingConfig: { desiredSize: s.nodes.count, minSize: s.nodes.minCount, maxSize: s.nodes.maxCount },
        updateConfig: { maxUnavailable: 1 },
        tags: s.dataTags,
    }, { ...opts, dependsOn: nodeAttachments, ignoreChanges: ["scalingConfig.desiredSize"] });

    // ---- RDS PostgreSQL 16 ---------------------------------------------------------------------
    const dbSecurityGroup = new aws.ec2.SecurityGroup(`${name}-db`, {
        vpcId: vpc.id,
        description: "PostgreSQL: 5432 from the VPC (and listed replication peers) only",
        ingress: [{ protocol: "tcp", fromPort: POSTGRES_PORT, toPort: POSTGRES_PORT, cidrBlocks: [s.networkCidr, ...s.database.allowedCidrs], description: "PostgreSQL clients and subscribers" }],
        // The server subscribes to edge and peer publications: it opens 5432 outwards, nothing else.
        egress: [{ protocol: "tcp", fromPort: POSTGRES_PORT, toPort: POSTGRES_PORT, cidrBlocks: s.database.replicationEgressCidrs, description: "Logical replication to publishers" }],
        tags: named("db"),
    }, opts);
    const { subnetGroup, parameterGroup } = databaseGroups(name, name, dataSubnets, s, opts);
    const adminPassword = new random.RandomPassword(`${name}-db-admin`, { length: 32, special: false }, { parent });
    const db = new aws.rds.Instance(`${name}-db`, {
        engine: "postgres",
        engineVersion: "16",
        instanceClass: s.database.instanceClass,
        allocatedStorage: s.database.storageGb,
        maxAllocatedStorage: s.database.maxStorageGb,
        storageType: "gp3",
        storageEncrypted: true,
        multiAz: true,
        publiclyAccessible: false,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [dbSecurityGroup.id],
        parameterGroupName: parameterGroup.name,
        port: POSTGRES_PORT,
        username: s.database.adminUser,
        password: adminPassword.result,
        backupRetentionPeriod: s.database.backupRetentionDays,
        backupWindow: "02:00-03:00",
        maintenanceWindow: "sun:03:30-sun:04:30",
        deletionProtection: s.database.deletionProtection,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: `${name}-db-final`,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        performanceInsightsEnabled: true,
        enabledCloudwatchLogsExports: ["postgresql"],
        tags: s.dataTags,
    }, opts);

    // A copy of the automated backups (snapshots + transaction logs, so PITR) in a second region of
    // the zone, encrypted with a key of that region: RDS cannot use a key across regions.
    const copyRegion = s.database.backupCopyRegion;
    if (copyRegion !== undefined) {
        const copyKey = new aws.kms.Key(`${name}-db-backup-copy`, {
            region: copyRegion, description: `Copies of ${name}'s database backups in ${copyRegion}`, enableKeyRotation: true, deletionWindowInDays: 30, tags: s.dataTags,
        }, opts);
        new aws.rds.InstanceAutomatedBackupsReplication(`${name}-db-backup-copy`, {
            region: copyRegion, sourceDbInstanceArn: db.arn, kmsKeyId: copyKey.arn, retentionPeriod: s.database.backupRetentionDays,
        }, opts);
    }

    const standby = s.database.standbyRegion === undefined ? undefined : deployAwsStandby(name, s, s.database.standbyRegion, db, parent);

    const database = {
        host: db.address,
        port: db.port,
        adminUser: db.username,
        adminPassword: pulumi.secret(adminPassword.result),
        serverName: db.identifier,
        ...(standby === undefined ? {} : { standby }),
    };

    return {
        clusterName: cluster.name,
        kubeconfig: pulumi.secret(eksKubeconfig(cluster.name, cluster.endpoint, cluster.certificateAuthority.data, s.region)),
        database,
        clusterReady: [nodeGroup],
        // RDS has no database resource: a pg dynamic resource creates it over the network.
        createLogicalDatabase: (resourceName, databaseName, resourceOpts) => new PostgresDatabase(resourceName, {
            connection: {
                host: database.host, port: database.port, database: "postgres",
                user: database.adminUser, password: database.adminPassword, ssl: "require",
            },
            databaseName,
        }, { ...resourceOpts, dependsOn: [db] }),
    };
};

/** Address plan of the standby's VPC: the primary's /16 with the second octet + 1 (peerable, no overlap). */
export function awsStandbyNetworkCidr(networkCidr: string): string {
    const [a, b] = networkCidr.split(".").map(Number);
    return `${a}.${(b + 1) % 256}.0.0/16`;
}

/**
 * The cross-region standby of `db` in `standbyRegion` (same zone, checked by the caller): an RDS
 * read replica (asynchronous physical replication) in a small data network of its own, with a
 * parameter group of that region carrying the same replication settings (so it can take over the
 * mesh when promoted), a KMS key of that region (RDS cannot use a key across regions) and NAT
 * egress for the replication connections it opens to edges and peers once promoted.
 */
function deployAwsStandby(name: string, s: ResolvedRegionalArgs, standbyRegion: string, db: aws.rds.Instance, parent: pulumi.ComponentResource) {
    const standbyName = `${name}-standby`;
    const provider = new aws.Provider(`${standbyName}-aws`, { region: standbyRegion as aws.Region, defaultTags: { tags: s.tags } }, { parent });
    const opts = { parent, provider };
    const zones = aws.getAvailabilityZonesOutput({ state: "available", region: standbyRegion }, { parent, provider }).names;
    const named = (suffix: string) => ({ ...s.tags, Name: `${standbyName}-${suffix}` });
    const cidr = awsStandbyNetworkCidr(s.networkCidr);
    const plan = awsSubnetCidrs(cidr);

    const vpc = new aws.ec2.Vpc(`${standbyName}-vpc`, { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: named("vpc") }, opts);
    const igw = new aws.ec2.InternetGateway(`${standbyName}-igw`, { vpcId: vpc.id, tags: named("igw") }, opts);
    const publicRoutes = new aws.ec2.RouteTable(`${standbyName}-public-rt`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: named("public-rt") }, opts);
    const pub = new aws.ec2.Subnet(`${standbyName}-public-0`, {
        vpcId: vpc.id, cidrBlock: plan.public[0], availabilityZone: zones.apply((names) => names[0]), mapPublicIpOnLaunch: false, tags: named("public-0"),
    }, opts);
    new aws.ec2.RouteTableAssociation(`${standbyName}-public-0`, { subnetId: pub.id, routeTableId: publicRoutes.id }, opts);
    // One NAT: the standby only opens replication connections (to edges and peers) once promoted.
    const eip = new aws.ec2.Eip(`${standbyName}-nat`, { domain: "vpc", tags: named("nat") }, opts);
    const nat = new aws.ec2.NatGateway(`${standbyName}-nat`, { subnetId: pub.id, allocationId: eip.id, tags: named("nat") }, { ...opts, dependsOn: [igw] });
    const privateRoutes = new aws.ec2.RouteTable(`${standbyName}-private-rt`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: named("private-rt") }, opts);
    const dataSubnets: aws.ec2.Subnet[] = [];
    for (let i = 0; i < AZ_COUNT; i++) {
        const subnet = new aws.ec2.Subnet(`${standbyName}-data-${i}`, {
            vpcId: vpc.id, cidrBlock: plan.data[i], availabilityZone: zones.apply((names) => {
                if (names.length < AZ_COUNT) throw new Error(`region ${standbyRegion} has only ${names.length} availability zones; the standby needs ${AZ_COUNT}`);
                return names[i];
            }), tags: named(`data-${i}`),
        }, opts);
        new aws.ec2.RouteTableAssociation(`${standbyName}-data-${i}`, { subnetId: subnet.id, routeTableId: privateRoutes.id }, opts);
        dataSubnets.push(subnet);
    }
    const securityGroup = new aws.ec2.SecurityGroup(`${standbyName}-db`, {
        vpcId: vpc.id,
        description: "PostgreSQL standby: 5432 from its VPC, the primary's VPC and listed peers only",
        ingress: [{ protocol: "tcp", fromPort: POSTGRES_PORT, toPort: POSTGRES_PORT, cidrBlocks: [cidr, s.networkCidr, ...s.database.allowedCidrs], description: "PostgreSQL clients and subscribers" }],
        egress: [{ protocol: "tcp", fromPort: POSTGRES_PORT, toPort: POSTGRES_PORT, cidrBlocks: s.database.replicationEgressCidrs, description: "Logical replication to publishers (once promoted)" }],
        tags: named("db"),
    }, opts);
    const { subnetGroup, parameterGroup } = databaseGroups(standbyName, `${name} standby`, dataSubnets, s, opts);
    const key = new aws.kms.Key(`${standbyName}-db`, {
        description: `Storage of ${name}'s standby database in ${standbyRegion}`, enableKeyRotation: true, deletionWindowInDays: 30, tags: s.dataTags,
    }, opts);
    const replica = new aws.rds.Instance(`${standbyName}-db`, {
        // A cross-region replica names its source by ARN; engine, version, storage and login come from it.
        replicateSourceDb: db.arn,
        instanceClass: s.database.instanceClass,
        maxAllocatedStorage: s.database.maxStorageGb,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: key.arn,
        // Multi-AZ already as a replica: once promoted it is the region's primary.
        multiAz: true,
        publiclyAccessible: false,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [securityGroup.id],
        parameterGroupName: parameterGroup.name,
        port: POSTGRES_PORT,
        // PITR from the moment it is promoted (a replica keeps no backups of its own until then).
        backupRetentionPeriod: s.database.backupRetentionDays,
        backupWindow: "02:00-03:00",
        maintenanceWindow: "sun:04:30-sun:05:30",
        deletionProtection: s.database.deletionProtection,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: `${standbyName}-db-final`,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        performanceInsightsEnabled: true,
        enabledCloudwatchLogsExports: ["postgresql"],
        tags: s.dataTags,
    }, { ...opts, ignoreChanges: ["replicateSourceDb"] }); // promoted by the runbook, not by a diff
    return { region: standbyRegion, host: replica.address, serverName: replica.identifier };
}
