/**
 * The regional tier: RegionalCluster, the backend and frontend as BlueGreenPairs on it, and the
 * EdgeSites of its facilities when the fleet is deployed inline. `planRegional` builds and
 * validates every component's args from the config (pure, nothing registered); `deployRegional`
 * creates the components from that plan.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { RegionalCluster, RegionalClusterArgs, resolveRegionalClusterArgs } from "../components/regional-cluster";
import { BlueGreenPair, BlueGreenPairArgs, resolveBlueGreenArgs } from "../components/blue-green-pair";
import { residencyTags } from "../components/sovereignty";
import { App, APPS, StackConfig, configKey } from "./config";
import { withConfigKeys } from "./rekey";
import { regionalUrls } from "./endpoints";
import { APP_NAMESPACE, blueGreenArgs, blueGreenFields } from "./apps";
import { EdgeSitePlan, deployEdgeSites, facilitySummary, planEdgeSites } from "./edge-sites";
import type { StackOutputs } from "./program";

/** Which config key each RegionalCluster args path comes from (for error messages). */
const CLUSTER_FIELDS = {
    cloud: configKey("cloud"),
    zone: configKey("zone"),
    region: configKey("region"),
    kubernetesVersion: configKey("kubernetesVersion"),
    "nodes.vmSize": configKey("nodeSize"),
    "nodes.count": configKey("nodeCount"),
    "nodes.minCount": configKey("nodeCount"),
    "nodes.maxCount": configKey("nodeMaxCount"),
    "database.instanceClass": configKey("databaseSku"),
    "database.storageGb": configKey("databaseStorageGb"),
    "database.maxStorageGb": configKey("databaseStorageGb"),
    "database.backupRetentionDays": configKey("databaseBackupRetentionDays"),
    replication: configKey("facilities"),
} as const;

export interface RegionalPlan {
    /** Name of the RegionalCluster component (the stack name: physical names read "us-east-..."). */
    clusterName: string;
    clusterArgs: RegionalClusterArgs;
    /** BlueGreenPair args per app, without the database provisioner (the cluster, once created). */
    apps: Record<App, BlueGreenPairArgs>;
    /** EdgeSites this stack deploys itself (edgeDeployment "inline"); none when each facility has its own stack. */
    edgeSites: EdgeSitePlan[];
}

/** The RegionalCluster args for this stack. */
export function regionalClusterArgs(config: StackConfig): RegionalClusterArgs {
    return {
        cloud: config.cloud,
        zone: config.zone,
        region: config.region,
        kubernetesVersion: config.cluster.kubernetesVersion,
        nodes: {
            vmSize: config.cluster.nodeSize,
            count: config.cluster.nodeCount,
            minCount: config.cluster.nodeCount,
            maxCount: config.cluster.nodeMaxCount,
        },
        database: {
            instanceClass: config.database.sku,
            storageGb: config.database.storageGb,
            backupRetentionDays: config.database.backupRetentionDays,
        },
        // Offline facilities keep their subscription (disabled, not dropped), so they count.
        replication: { edges: config.facilities.length, peerRegions: config.peers.length, blueGreen: true },
        tags: { "agogsaas-stack": config.stack, environment: config.environment },
    };
}

/** Builds and validates every component's args; throws naming the config key at fault. */
export function planRegional(config: StackConfig): RegionalPlan {
    const clusterArgs = regionalClusterArgs(config);
    withConfigKeys(CLUSTER_FIELDS, "RegionalCluster args ", () => resolveRegionalClusterArgs(clusterArgs));
    const apps = {} as Record<App, BlueGreenPairArgs>;
    for (const app of APPS) {
        apps[app] = blueGreenArgs(config, app);
        withConfigKeys(blueGreenFields(app), `BlueGreenPair ${app} args `, () => resolveBlueGreenArgs(app, apps[app]));
    }
    const edgeSites = config.edgeDeployment === "inline" ? planEdgeSites(config) : [];
    return { clusterName: config.stack, clusterArgs, apps, edgeSites };
}

export function deployRegional(config: StackConfig): StackOutputs {
    const plan = planRegional(config);
    const cluster = new RegionalCluster(plan.clusterName, plan.clusterArgs);
    const onCluster = { provider: cluster.k8sProvider };

    // The apps' namespace enforces the restricted Pod Security Standard their pods are built for.
    const namespace = new k8s.core.v1.Namespace(APP_NAMESPACE, {
        metadata: {
            name: APP_NAMESPACE,
            labels: {
                "pod-security.kubernetes.io/enforce": "restricted",
                "app.kubernetes.io/part-of": "agogsaas",
                ...residencyTags(config.zone, "personal"),
            },
        },
    }, onCluster);

    const pairs = {} as Record<App, BlueGreenPair>;
    for (const app of APPS) {
        const args = app === "backend" ? { ...plan.apps[app], database: cluster } : plan.apps[app];
        pairs[app] = new BlueGreenPair(app, args, { providers: [cluster.k8sProvider], dependsOn: [namespace] });
    }

    const sites = deployEdgeSites(plan.edgeSites);
    const urls = regionalUrls(config.publicHostname);
    const backendDatabases = pairs.backend.colors;

    return {
        tier: config.tier,
        zone: config.zone,
        cloud: config.cloud,
        region: config.region,
        clusterName: cluster.clusterName,
        kubeconfig: pulumi.secret(cluster.kubeconfig),
        databaseEndpoints: {
            server: pulumi.interpolate`${cluster.database.host}:${cluster.database.port}`,
            ...Object.fromEntries(Object.entries(backendDatabases).map(([color, resources]) => [
                color, pulumi.interpolate`${resources!.database!.host}:${resources!.database!.port}/${resources!.database!.database}`,
            ])),
        },
        activeColor: config.activeColor,
        versions: config.versions,
        publicUrl: urls.publicUrl,
        apiUrl: urls.apiUrl,
        facilities: Object.fromEntries(sites.map((site, i) => [site.facilityId, facilitySummary(site, plan.edgeSites[i])])),
    };
}
