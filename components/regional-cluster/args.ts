/**
 * The one interface behind which the AWS and Azure regional tiers sit, plus the args of
 * RegionalCluster. `regional-cluster.ts` validates and fills defaults; `aws.ts` and `azure.ts`
 * each implement {@link RegionalCloudDeployer} from the same {@link ResolvedRegionalArgs}.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DataClassification, Zone } from "../shared/sovereignty";
import type { RegionalReplicationTopology, ReplicationCapacity } from "../replication/capacity";

export type Cloud = "aws" | "azure";

export const CLOUDS: readonly Cloud[] = ["aws", "azure"];

/** Kubernetes worker nodes (one managed pool spread over three availability zones). */
export interface NodePoolSizing {
    /** Instance type (AWS) or VM size (Azure). Default "m6i.xlarge" on AWS, "Standard_D4s_v5" on Azure. */
    vmSize?: string;
    /** Nodes at creation. Default 3 (one per zone). */
    count?: number;
    /** Autoscaler lower bound. Default 3. */
    minCount?: number;
    /** Autoscaler upper bound. Default 9. */
    maxCount?: number;
    /** OS disk per node in GiB. Default 100. */
    diskSizeGb?: number;
}

/** The regional PostgreSQL 16 server (RDS Multi-AZ or Flexible Server zone-redundant HA). */
export interface DatabaseSizing {
    /** RDS instance class (AWS) or Flexible Server SKU (Azure, General Purpose or Memory Optimized). Default "db.r6g.large" on AWS, "Standard_D4ds_v5" on Azure. */
    instanceClass?: string;
    /** Allocated storage in GiB; on Azure one of 32, 64, 128, ... 16384, 32767. Default 128. */
    storageGb?: number;
    /** AWS only: storage autoscaling ceiling in GiB (Azure uses auto-grow). Default 4 × storageGb. */
    maxStorageGb?: number;
    /** Days of automated backups for point-in-time recovery, 7 to 35. Default 14. */
    backupRetentionDays?: number;
    /** Administrator login. Default "agogadmin". */
    adminUser?: string;
    /** Extra CIDRs allowed to reach port 5432 (peer regions, edge VPN ranges) besides the VNet/VPC. Default none. */
    allowedCidrs?: string[];
    /** AWS only: CIDRs the server may open replication connections to (edge and peer publishers). Default ["0.0.0.0/0"] on port 5432 only. */
    replicationEgressCidrs?: string[];
    /** AWS only: WAL kept for a disconnected slot before it is invalidated, in MB (Azure fixes it at -1). Default a quarter of storageGb. */
    maxSlotWalKeepSizeMb?: number;
    /** Refuse deletion of the server (AWS deletion protection, Azure delete lock is left to the landing zone). Default true. */
    deletionProtection?: boolean;
    /** Second region of the same zone that holds a copy of the automated backups (AWS: any other region of the zone; Azure: the location's pair, if in the zone). Default none. */
    backupCopyRegion?: string;
    /** A promotable standby (asynchronous physical read replica) in a second region of the same zone, for regional failover (docs/dr.md): AWS a cross-region RDS read replica, Azure a Flexible Server replica; another zone is refused (it would hold the zone's personal data). Default none. */
    standbyRegion?: string;
}

/** Cluster add-ons installed with Helm through the cluster's provider. */
export interface RegionalAddons {
    /** NATS with JetStream (3 replicas, file storage). Default true. */
    nats?: boolean;
    /** Shared Redis for cluster-wide caching (each blue/green colour also has its own). Default true. */
    redis?: boolean;
    /** ingress-nginx controller behind a cloud load balancer. Default true. */
    ingressNginx?: boolean;
    /** kube-prometheus-stack: Prometheus, Alertmanager, Grafana. Default true. */
    monitoring?: boolean;
}

export interface RegionalClusterArgs {
    /** Cloud hosting the region. Required: "aws" or "azure". */
    cloud: Cloud;
    /** Sovereignty zone of the region. Required: "us", "eu" or "apac". */
    zone: Zone;
    /** AWS region (cloud "aws") or Azure location (cloud "azure"); must belong to the zone. Required. */
    region: string;
    /** Kubernetes minor version of the control plane, e.g. "1.32". Default "1.32". */
    kubernetesVersion?: string;
    /** Worker node sizing. Default: see {@link NodePoolSizing}. */
    nodes?: NodePoolSizing;
    /** PostgreSQL server sizing and access. Default: see {@link DatabaseSizing}. */
    database?: DatabaseSizing;
    /** Mesh topology the server's replication settings are computed from. Default { edges: 0, peerRegions: 0 } unless `replicationCapacity` is given. */
    replication?: RegionalReplicationTopology;
    /** Precomputed replication settings; overrides `replication` when set. Default: computed. */
    replicationCapacity?: ReplicationCapacity;
    /** Address space of the VPC/VNet, a /16. Default "10.40.0.0/16". */
    networkCidr?: string;
    /** CIDRs allowed to reach the Kubernetes API endpoint (CI runners, admins); access is still IAM/Entra-authenticated. Default any. */
    apiAllowedCidrs?: string[];
    /** Extra tags on every cloud resource (residency tags are added and cannot be overridden). Default none. */
    tags?: Record<string, string>;
    /** Helm add-ons to install. Default: all enabled. */
    addons?: RegionalAddons;
    /** Namespaces whose pods may connect to the NATS (4222) and shared Redis (6379, 26379) add-ons; nothing else gets in. Default none. */
    addonClientNamespaces?: string[];
}

/** Everything filled in and checked: what a cloud implementation receives. */
export interface ResolvedRegionalArgs {
    cloud: Cloud;
    zone: Zone;
    region: string;
    kubernetesVersion: string;
    nodes: Required<NodePoolSizing>;
    database: Required<Omit<DatabaseSizing, "backupCopyRegion" | "standbyRegion">> & { backupCopyRegion?: string; standbyRegion?: string };
    replicationCapacity: ReplicationCapacity;
    /** Logical replication switch plus the capacity settings, PostgreSQL names, string values. */
    serverParameters: Record<string, string>;
    networkCidr: string;
    /** Empty means unrestricted. */
    apiAllowedCidrs: string[];
    addons: Required<RegionalAddons>;
    addonClientNamespaces: string[];
    /** Subnets the PostgreSQL server lives in (from the cloud's subnet plan): where NetworkPolicies let database traffic go. */
    databaseCidrs: string[];
    /** Tags for every resource (includes data-residency). */
    tags: Record<string, string>;
    /** Tags for resources that hold data (tags plus data-classification). */
    dataTags: Record<string, string>;
}

/** How an application reaches its logical database. */
export interface DatabaseConnection {
    host: pulumi.Output<string>;
    port: pulumi.Output<number>;
    /** Name of the logical database. */
    database: pulumi.Output<string>;
    user: pulumi.Output<string>;
    /** Secret. */
    password: pulumi.Output<string>;
}

export interface CreateDatabaseOptions {
    /** The PostgreSQL database name (SQL identifier, lower case). Default: the resource name with "-" replaced by "_". */
    databaseName?: string;
    /** Parent of the database resource. Default the RegionalCluster. */
    parent?: pulumi.Resource;
}

/** Anything that can create a logical database and say how to reach it (RegionalCluster, a test double). */
export interface DatabaseProvisioner {
    createDatabase(name: string, options?: CreateDatabaseOptions): DatabaseConnection;
}

/** The regional PostgreSQL server as other components see it. */
export interface RegionalDatabase {
    host: pulumi.Output<string>;
    port: pulumi.Output<number>;
    adminUser: pulumi.Output<string>;
    /** Secret. */
    adminPassword: pulumi.Output<string>;
    /** RDS instance identifier or Flexible Server name. */
    serverName: pulumi.Output<string>;
    /** The standby in `database.standbyRegion`, when there is one (promote it to fail over: docs/dr.md). */
    standby?: RegionalStandby;
}

/** The cross-region standby of the regional server. */
export interface RegionalStandby {
    /** AWS region or Azure location of the standby. */
    region: string;
    host: pulumi.Output<string>;
    /** RDS instance identifier or Flexible Server name of the standby. */
    serverName: pulumi.Output<string>;
}

/** What a cloud implementation hands back to RegionalCluster. */
export interface RegionalCloudResources {
    clusterName: pulumi.Output<string>;
    /** Secret. */
    kubeconfig: pulumi.Output<string>;
    database: RegionalDatabase;
    /** Creates the logical database `databaseName` on the server; returns the created resource. */
    createLogicalDatabase(resourceName: string, databaseName: string, opts: pulumi.CustomResourceOptions): pulumi.Resource;
    /** Cloud resources the Kubernetes add-ons must wait for (node pool ready). */
    clusterReady: pulumi.Resource[];
}

/** One cloud's regional tier: `aws.ts` and `azure.ts` each export one. */
export type RegionalCloudDeployer = (name: string, args: ResolvedRegionalArgs, parent: pulumi.ComponentResource) => RegionalCloudResources;

/** The classification of the regional stores: they hold customer and operator records. */
export const REGIONAL_DATA_CLASSIFICATION: DataClassification = "personal";
