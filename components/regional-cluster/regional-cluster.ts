/**
 * RegionalCluster: one region's managed Kubernetes + PostgreSQL 16, on AWS or Azure behind one
 * args interface. Validates everything (zone, region within the zone, sizes, replication topology)
 * before a single resource is registered, then delegates to the cloud implementation and installs
 * the cluster add-ons (NATS JetStream, Redis, ingress-nginx, kube-prometheus-stack) with Helm.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { assertIpv4Cidr } from "../k8s/quantities";
import { ValidationError, oneOf } from "../shared/errors";
import { assertDns1123Subdomain, assertNamespaceList } from "../k8s/names";
import { assertAwsRegion, assertBackupCopyRegion, assertAzureLocation, assertStandbyRegion, assertZone, normaliseAzureLocation, residencyTags, TAG_CLASSIFICATION, TAG_RESIDENCY } from "../shared/sovereignty";
import { assertCount, assertReplicationCapacity, capacityParameters, regionalReplicationCapacity, ReplicationCapacity } from "../replication/capacity";
import { awsSubnetCidrs, deployAws } from "./internal/aws";
import { azureSkuTier, azureSubnetCidrs, deployAzure } from "./internal/azure";
import { installAddons, PrometheusRuleGroup, RegionalAddonReleases } from "./internal/addons";
import { CLOUDS, Cloud, CreateDatabaseOptions, DatabaseConnection, DatabaseProvisioner, REGIONAL_DATA_CLASSIFICATION, RegionalAddons, RegionalCloudDeployer, RegionalClusterArgs, RegionalDatabase, ResolvedRegionalArgs } from "./args";

export * from "./args";
export type { PrometheusRuleGroup } from "./internal/addons";

const DEPLOYERS: Record<Cloud, RegionalCloudDeployer> = { aws: deployAws, azure: deployAzure };
/** Where each cloud puts the PostgreSQL server: RDS in the data subnets, Flexible Server in its delegated subnet. */
const DATABASE_SUBNETS: Record<Cloud, (networkCidr: string) => string[]> = {
    aws: (cidr) => awsSubnetCidrs(cidr).data,
    azure: (cidr) => [azureSubnetCidrs(cidr).database],
};

const DEFAULT_KUBERNETES_VERSION = "1.32";
const DEFAULT_NETWORK_CIDR = "10.40.0.0/16";

const CLOUD_DEFAULTS: Record<Cloud, { vmSize: string; instanceClass: string }> = {
    aws: { vmSize: "m6i.xlarge", instanceClass: "db.r6g.large" },
    azure: { vmSize: "Standard_D4s_v5", instanceClass: "Standard_D4ds_v5" },
};

/** Storage sizes a Flexible Server accepts (GiB). */
export const AZURE_STORAGE_SIZES_GB: readonly number[] = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];

/** Azure Flexible Server caps max_wal_senders at 100 (server parameter reference, 5-100). */
export const AZURE_MAX_WAL_SENDERS = 100;

/** Logins the clouds reserve; `pg_` prefixes are refused separately. */
const RESERVED_ADMIN_USERS = ["admin", "administrator", "root", "guest", "public", "postgres", "azure_superuser", "azure_pg_admin", "rdsadmin", "rds_superuser"];

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Logical replication switch per cloud: RDS wraps wal_level in its own parameter. */
const LOGICAL_REPLICATION_PARAMETERS: Record<Cloud, Record<string, string>> = {
    aws: { "rds.logical_replication": "1" },
    azure: { wal_level: "logical" },
};

function requireString(field: string, value: unknown): string {
    if (typeof value !== "string" || value.trim() === "") {
        throw new ValidationError(field, `must be a non-empty string, got ${JSON.stringify(value)}`);
    }
    return value;
}

function assertRange(field: string, value: number, min: number, max: number): number {
    assertCount(field, value, { min });
    if (value > max) throw new ValidationError(field, `must be between ${min} and ${max}, got ${value}`);
    return value;
}


function resolveCapacity(args: RegionalClusterArgs): ReplicationCapacity {
    if (args.replicationCapacity !== undefined) return assertReplicationCapacity("replicationCapacity", args.replicationCapacity);
    return regionalReplicationCapacity(args.replication ?? { edges: 0, peerRegions: 0 }, "replication");
}

/**
 * Checks `args` and fills every default. Pure: throws ValidationError/SovereigntyError naming the
 * field at fault, so stacks can call it while loading config, before any resource exists.
 */
export function resolveRegionalClusterArgs(args: RegionalClusterArgs): ResolvedRegionalArgs {
    if (args === null || typeof args !== "object") throw new ValidationError("args", "RegionalCluster needs an args object");
    if (!(CLOUDS as readonly unknown[]).includes(args.cloud)) {
        throw new ValidationError("cloud", `unknown cloud ${JSON.stringify(args.cloud)}`, oneOf(CLOUDS));
    }
    const cloud = args.cloud;
    const zone = assertZone("zone", args.zone);
    const rawRegion = requireString("region", args.region);
    let region: string;
    if (cloud === "aws") {
        assertAwsRegion("region", zone, rawRegion);
        region = rawRegion;
    } else {
        region = normaliseAzureLocation(rawRegion);
        assertAzureLocation("region", zone, region);
        if (region === "global") throw new ValidationError("region", "a regional cluster needs a real Azure location, not \"global\"");
    }

    const kubernetesVersion = args.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
    if (typeof kubernetesVersion !== "string" || !/^1\.\d{2}$/.test(kubernetesVersion)) {
        throw new ValidationError("kubernetesVersion", `must be a Kubernetes minor version like "1.32", got ${JSON.stringify(kubernetesVersion)}`);
    }

    const defaults = CLOUD_DEFAULTS[cloud];
    const n = args.nodes ?? {};
    const minCount = assertRange("nodes.minCount", n.minCount ?? 3, 3, 100);
    const maxCount = assertRange("nodes.maxCount", n.maxCount ?? Math.max(9, minCount), minCount, 1000);
    const nodes: Required<typeof n> = {
        vmSize: requireString("nodes.vmSize", n.vmSize ?? defaults.vmSize),
        minCount,
        maxCount,
        count: assertRange("nodes.count", n.count ?? minCount, minCount, maxCount),
        diskSizeGb: assertRange("nodes.diskSizeGb", n.diskSizeGb ?? 100, 30, 2048),
    };

    const d = args.database ?? {};
    const storageGb = d.storageGb ?? 128;
    if (cloud === "azure") {
        if (!AZURE_STORAGE_SIZES_GB.includes(storageGb)) {
            throw new ValidationError("database.storageGb", `Azure Flexible Server does not offer ${JSON.stringify(storageGb)} GiB`, AZURE_STORAGE_SIZES_GB.join(", "));
        }
    } else {
        assertRange("database.storageGb", storageGb, 20, 65536);
    }
    const instanceClass = requireString("database.instanceClass", d.instanceClass ?? defaults.instanceClass);
    if (cloud === "aws" && !/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(instanceClass)) {
        throw new ValidationError("database.instanceClass", `"${instanceClass}" is not an RDS instance class`, `e.g. "db.r6g.large"`);
    }
    if (cloud === "azure") azureSkuTier("database.instanceClass", instanceClass);
    const adminUser = requireString("database.adminUser", d.adminUser ?? "agogadmin");
    if (!SQL_IDENTIFIER.test(adminUser) || adminUser.startsWith("pg_") || RESERVED_ADMIN_USERS.includes(adminUser)) {
        throw new ValidationError("database.adminUser", `"${adminUser}" is reserved or not a lower-case SQL identifier`, "lower-case letters, digits and _, not starting with pg_, not admin/root/postgres/...");
    }
    const database: ResolvedRegionalArgs["database"] = {
        instanceClass,
        storageGb,
        maxStorageGb: assertRange("database.maxStorageGb", d.maxStorageGb ?? Math.min(65536, storageGb * 4), storageGb, 65536),
        backupRetentionDays: assertRange("database.backupRetentionDays", d.backupRetentionDays ?? 14, 7, 35),
        adminUser,
        allowedCidrs: (d.allowedCidrs ?? []).map((cidr, i) => assertIpv4Cidr(`database.allowedCidrs[${i}]`, cidr)),
        replicationEgressCidrs: (d.replicationEgressCidrs ?? ["0.0.0.0/0"]).map((cidr, i) => assertIpv4Cidr(`database.replicationEgressCidrs[${i}]`, cidr)),
        maxSlotWalKeepSizeMb: assertCount("database.maxSlotWalKeepSizeMb", d.maxSlotWalKeepSizeMb ?? Math.floor((storageGb * 1024) / 4), { min: 1024 }),
        deletionProtection: d.deletionProtection ?? true,
        ...(d.backupCopyRegion === undefined ? {} : { backupCopyRegion: assertBackupCopyRegion("database.backupCopyRegion", zone, cloud, region, d.backupCopyRegion) }),
        ...(d.standbyRegion === undefined ? {} : { standbyRegion: assertStandbyRegion("database.standbyRegion", zone, cloud, region, d.standbyRegion) }),
    };
    if (typeof database.deletionProtection !== "boolean") {
        throw new ValidationError("database.deletionProtection", `must be true or false, got ${JSON.stringify(database.deletionProtection)}`);
    }

    const replicationCapacity = resolveCapacity(args);
    if (cloud === "azure" && replicationCapacity.maxWalSenders > AZURE_MAX_WAL_SENDERS) {
        throw new ValidationError(
            args.replicationCapacity !== undefined ? "replicationCapacity.maxWalSenders" : "replication.edges",
            `needs max_wal_senders = ${replicationCapacity.maxWalSenders}, but Azure Flexible Server allows at most ${AZURE_MAX_WAL_SENDERS}; ` +
                "split the facilities over more regional servers or lower the headroom",
        );
    }
    const serverParameters: Record<string, string> = {
        ...LOGICAL_REPLICATION_PARAMETERS[cloud],
        ...capacityParameters(replicationCapacity),
        // Azure pins max_slot_wal_keep_size to -1 (read-only); on RDS a bounded value keeps an
        // offline facility's slot from filling the regional disk (the slot becomes "lost" instead).
        ...(cloud === "aws" ? { max_slot_wal_keep_size: String(database.maxSlotWalKeepSizeMb) } : {}),
    };

    const a = args.addons ?? {};
    const addons: Required<RegionalAddons> = {
        nats: a.nats ?? true, redis: a.redis ?? true, ingressNginx: a.ingressNginx ?? true, monitoring: a.monitoring ?? true,
    };
    for (const [key, value] of Object.entries(addons)) {
        if (typeof value !== "boolean") throw new ValidationError(`addons.${key}`, `must be true or false, got ${JSON.stringify(value)}`);
    }

    const userTags = args.tags ?? {};
    for (const [key, value] of Object.entries(userTags)) {
        if (key === TAG_RESIDENCY || key === TAG_CLASSIFICATION) {
            throw new ValidationError(`tags.${key}`, "is set by the sovereignty module and cannot be overridden");
        }
        if (typeof value !== "string") throw new ValidationError(`tags.${key}`, `must be a string, got ${JSON.stringify(value)}`);
    }
    const residency = residencyTags(zone, REGIONAL_DATA_CLASSIFICATION);
    const tags = { ...userTags, "managed-by": "pulumi", "part-of": "agogsaas", [TAG_RESIDENCY]: residency[TAG_RESIDENCY] };
    const dataTags = { ...tags, ...residency };

    const addonClientNamespaces = assertNamespaceList("addonClientNamespaces", args.addonClientNamespaces ?? []);
    const networkCidr = assertIpv4Cidr("networkCidr", args.networkCidr ?? DEFAULT_NETWORK_CIDR, { prefix: 16 });
    return {
        cloud, zone, region, kubernetesVersion, nodes, database, replicationCapacity, serverParameters,
        networkCidr,
        apiAllowedCidrs: (args.apiAllowedCidrs ?? []).map((cidr, i) => assertIpv4Cidr(`apiAllowedCidrs[${i}]`, cidr)),
        addons, addonClientNamespaces, databaseCidrs: DATABASE_SUBNETS[cloud](networkCidr), tags, dataTags,
    };
}

/**
 * A region's Kubernetes cluster and PostgreSQL 16 server with logical replication sized for the
 * mesh. Implements {@link DatabaseProvisioner} so a BlueGreenPair can create its colour databases.
 */
export class RegionalCluster extends pulumi.ComponentResource implements DatabaseProvisioner {
    /** The validated args with defaults, as used. */
    public readonly settings: ResolvedRegionalArgs;
    public readonly clusterName: pulumi.Output<string>;
    /** Secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** Provider for everything deployed into this cluster. */
    public readonly k8sProvider: k8s.Provider;
    public readonly database: RegionalDatabase;
    /** The replication settings applied to the server (for the ReplicationMesh validator). */
    public readonly replicationCapacity: ReplicationCapacity;
    /** The Helm releases installed (absent when the add-on is disabled). */
    public readonly addons: RegionalAddonReleases;

    private readonly cloud: ReturnType<RegionalCloudDeployer>;
    private readonly databaseNames = new Set<string>();

    constructor(name: string, args: RegionalClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before super(): a bad input must register nothing, not even this component.
        const settings = resolveRegionalClusterArgs(args);
        // Args are not handed to super(): the engine would store them as the component's inputs in state,
        // and a password given as a plain string there would not be encrypted. Children carry them instead.
        super("agogsaas:regional:RegionalCluster", name, {}, opts);
        this.settings = settings;
        this.replicationCapacity = settings.replicationCapacity;

        this.cloud = DEPLOYERS[settings.cloud](name, settings, this);
        this.clusterName = this.cloud.clusterName;
        this.kubeconfig = pulumi.secret(this.cloud.kubeconfig);
        this.database = this.cloud.database;

        this.k8sProvider = new k8s.Provider(`${name}-k8s`, {
            kubeconfig: this.kubeconfig,
            // Helm releases and objects wait for nodes: without them installs time out.
        }, { parent: this, dependsOn: this.cloud.clusterReady });

        this.addons = installAddons(name, settings, this.k8sProvider, this);

        this.registerOutputs({
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            databaseHost: this.database.host,
            databasePort: this.database.port,
            databaseServerName: this.database.serverName,
            replicationCapacity: this.replicationCapacity,
        });
    }

    /**
     * Creates a logical database on the regional server (a blue/green colour's database) and
     * returns how to reach it. On Azure a `dbforpostgresql.Database`; on AWS a pg-based dynamic
     * resource, which needs the Pulumi runner to reach the private server (see docs/regional.md).
     */
    public createDatabase(name: string, options: CreateDatabaseOptions = {}): DatabaseConnection {
        const databaseName = options.databaseName ?? name.replace(/-/g, "_");
        if (!SQL_IDENTIFIER.test(databaseName) || databaseName.startsWith("pg_") || ["postgres", "template0", "template1", "azure_maintenance", "azure_sys", "rdsadmin"].includes(databaseName)) {
            throw new ValidationError("databaseName", `"${databaseName}" is reserved or not a lower-case SQL identifier of at most 63 characters`, "lower-case letters, digits and _");
        }
        if (this.databaseNames.has(databaseName)) {
            throw new ValidationError("databaseName", `database "${databaseName}" is already created on this server`);
        }
        this.databaseNames.add(databaseName);
        const resource = this.cloud.createLogicalDatabase(name, databaseName, { parent: options.parent ?? this });
        return {
            host: this.database.host,
            port: this.database.port,
            // Read through the resource so dependents wait for the database to exist.
            database: pulumi.output(resource.urn).apply(() => databaseName),
            user: this.database.adminUser,
            password: this.database.adminPassword,
        };
    }

    /**
     * Adds Prometheus alerting/recording rules (a PrometheusRule custom resource) that the
     * kube-prometheus-stack installed here picks up. Requires the monitoring add-on.
     */
    public addPrometheusRules(name: string, groups: PrometheusRuleGroup[], opts: { namespace?: string } = {}): k8s.apiextensions.CustomResource {
        if (!this.addons.monitoring) {
            throw new ValidationError("addons.monitoring", "Prometheus rules need the monitoring add-on; it is disabled");
        }
        assertDns1123Subdomain("name", name);
        if (!Array.isArray(groups) || groups.length === 0) throw new ValidationError("groups", "at least one rule group is required");
        return new k8s.apiextensions.CustomResource(name, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name, namespace: opts.namespace ?? "monitoring", labels: { "app.kubernetes.io/part-of": "agogsaas", "app.kubernetes.io/managed-by": "pulumi" } },
            spec: { groups },
        }, { parent: this, provider: this.k8sProvider, dependsOn: [this.addons.monitoring] });
    }
}
