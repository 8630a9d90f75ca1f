/**
 * The regional tier: RegionalCluster, the backend and frontend as BlueGreenPairs on it, the
 * EdgeSites of the facilities deployed inline, the ReplicationMesh between edges, colours and
 * peers (see stacks/mesh.ts for why it is wired as it is) and the FederationGateway.
 * `planRegional` builds and validates every component's args from the config (pure, nothing
 * registered); `deployRegional` creates the components from that plan.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    DatabaseConnection, RegionalCluster, RegionalClusterArgs, resolveRegionalClusterArgs, ReplicationMesh, MeshNode, FederationGateway,
    gatewayPeer, BlueGreenPair, BlueGreenPairArgs, ResolvedBlueGreenArgs, resolveBlueGreenArgs, TenantIsolation, TenantIsolationArgs,
    subgraphUrl, MeshMonitoring,
} from "@agogsaas/pulumi";
import { SUBGRAPH_PATHS } from "../components/federation-gateway/federation-gateway";
import { residencyTags } from "../components/shared/sovereignty";
import { App, APPS, COLORS, StackConfig, configKey } from "./config";
import { withConfigKeys } from "./rekey";
import { regionalUrls } from "./endpoints";
import { APP_NAMESPACE, APP_SPECS, appIsolation, appNamespaceLabels, blueGreenArgs, blueGreenFields } from "./apps";
import { EdgeSitePlan, deployEdgeSites, facilitySummaries, planEdgeSites } from "./edge-sites";
import { FacilityEndpoint, edgeStackEndpoint, siteEndpoint } from "./facility-endpoints";
import {
    EDGE_NODE_PATTERN, edgeNodeName, MeshPlanOfStack, PEERING_DATABASE, PlannedNode, peeringPublicationName,
    planStackMesh, validateStackMesh,
} from "./mesh";
import { peeringOutputs, PeerEndpoint, PeeringInfo, peerConnection, peerEndpoint } from "./peers";
import { GATEWAY_NAME, gatewayArgs, validateGateway } from "./federation";
import { stackTopology } from "./topology";
import type { StackOutputs } from "./stack-outputs";
import { facilityFallbackFor } from "../components/fallback/facility-fallback";
import { fallbackNodeName } from "../components/fallback/plan";

/**
 * The data side of each facility in mode fallback or return (components/fallback): the workspace
 * seeded and opened to the facility's login (`<edge node>_app`, with the edge's database password),
 * or drained and the new edge seeded. Resolves to the `fallback` stack output per facility id.
 */
function deployFallbacks(config: StackConfig, mesh: ReplicationMesh, endpoints: Map<string, FacilityEndpoint>,
    server: { host: pulumi.Input<string>; port: pulumi.Input<number>; user: pulumi.Input<string>; password: pulumi.Input<string>; ssl: "require" }): Record<string, { mode: string; url?: pulumi.Output<string> }> {
    const out: Record<string, { mode: string; url?: pulumi.Output<string> }> = {};
    for (const facility of config.facilities) {
        const edge = edgeNodeName(facility.id);
        const component = facilityFallbackFor(`fallback-${facility.id}`, {
            mode: facility.mode, mesh, edgeNode: edge,
            // The edge database's password: what the facility's apps already hold.
            loginPassword: () => pulumi.secret(pulumi.output(endpoints.get(facility.id)!.connection).apply((c) => c.password)),
            workspace: () => ({ ...server, database: fallbackNodeName(edge) }),
        });
        if (component) out[facility.id] = { mode: facility.mode, ...(component.url ? { url: component.url } : {}) };
    }
    return out;
}

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
    "database.standbyRegion": configKey("databaseStandbyRegion"),
    replication: configKey("facilities"),
} as const;

export interface RegionalPlan {
    /** Name of the RegionalCluster component (the stack name: physical names read "us-east-..."). */
    clusterName: string;
    clusterArgs: RegionalClusterArgs;
    /** BlueGreenPair args per app, without the database provisioner (the cluster, once created). */
    apps: Record<App, BlueGreenPairArgs>;
    /** EdgeSites this stack deploys itself (facilities with edgeDeployment "inline"). */
    edgeSites: EdgeSitePlan[];
    /** The replication mesh: nodes (without connections) and flows, validated. */
    mesh: MeshPlanOfStack;
    /** NetworkPolicies, LimitRange and ResourceQuota of the apps' namespace. */
    appIsolation: TenantIsolationArgs;
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
            ...(config.database.standbyRegion === undefined ? {} : { standbyRegion: config.database.standbyRegion }),
        },
        // Every facility counts, offline ones too (their subscriptions stay, disabled); both colours
        // subscribe to each edge and peer directly; peers read a peering database (stacks/mesh.ts).
        replication: {
            edges: config.facilities.length, peerRegions: config.peers.length, blueGreen: true, colourSubscribers: COLORS.length,
            peeringDatabase: true,
        },
        tags: { "agogsaas-stack": config.stack, environment: config.environment },
        // The backend publishes to NATS; nothing else may connect to the add-ons.
        addonClientNamespaces: [APP_NAMESPACE],
    };
}

/** Builds and validates every component's args; throws naming the config key at fault. */
export function planRegional(config: StackConfig): RegionalPlan {
    const clusterArgs = regionalClusterArgs(config);
    const resolved = withConfigKeys(CLUSTER_FIELDS, "RegionalCluster args ", () => resolveRegionalClusterArgs(clusterArgs));
    const apps = {} as Record<App, BlueGreenPairArgs>;
    const resolvedApps = {} as Record<App, ResolvedBlueGreenArgs>;
    for (const app of APPS) {
        apps[app] = blueGreenArgs(config, app);
        resolvedApps[app] = withConfigKeys(blueGreenFields(app), `BlueGreenPair ${app} args `, () => resolveBlueGreenArgs(app, apps[app]));
    }
    const edgeSites = planEdgeSites(config, (facility) => facility.edgeDeployment === "inline");
    const mesh = planStackMesh(config, resolved.replicationCapacity);
    validateStackMesh(mesh);
    validateGateway(config);
    const isolation = appIsolation(resolvedApps, {
        databaseCidrs: resolved.databaseCidrs,
        gateway: gatewayPeer(gatewayArgs(config, { own: "", peers: [] })),
        monitoring: resolved.addons.monitoring,
    });
    return { clusterName: config.stack, clusterArgs, apps, edgeSites, mesh, appIsolation: isolation };
}

/** The mesh node of a planned node, with its connection from the components that now exist. */
function meshNode(node: PlannedNode, own: { colours: Record<string, MeshNode["connection"]>; peering: MeshNode["connection"]; workspaces: Map<string, MeshNode["connection"]> }, facilities: Map<string, FacilityEndpoint>, peers: Map<string, PeerEndpoint>): MeshNode {
    const { source, configPath: _configPath, ...rest } = node;
    switch (source.kind) {
        case "colour":
            return { ...rest, connection: own.colours[source.color] };
        case "peering":
            return { ...rest, connection: own.peering };
        case "facility": {
            const endpoint = facilities.get(source.facility.id)!;
            return { ...rest, connection: endpoint.connection, replicationPassword: endpoint.replicationPassword };
        }
        case "fallback":
            return { ...rest, connection: own.workspaces.get(source.facility.id)! };
        case "peer":
            // External: the peer's peering login, never its administrator.
            return { ...rest, connection: peerConnection(peers.get(source.peer.stack)!) };
    }
}

export async function deployRegional(config: StackConfig): Promise<StackOutputs> {
    const plan = planRegional(config);
    // What other stacks export (peers, edge stacks) is read and checked first: a contradiction creates nothing.
    const peerEndpoints = new Map(await Promise.all(config.peers.map(async (peer, i) => [peer.stack, await peerEndpoint(peer, i)] as const)));
    const inline = new Set(plan.edgeSites.map((site) => site.facility.id));
    const edgeStackEndpoints = new Map(await Promise.all(config.facilities
        .map((facility, i) => [facility, i] as const)
        .filter(([facility]) => !inline.has(facility.id))
        .map(async ([facility, i]) => [facility.id, await edgeStackEndpoint(facility, i)] as const)));
    const cluster = new RegionalCluster(plan.clusterName, plan.clusterArgs);
    const onCluster = { provider: cluster.k8sProvider };

    // The apps' namespace enforces the restricted Pod Security Standard their pods are built for.
    const namespace = new k8s.core.v1.Namespace(APP_NAMESPACE, {
        metadata: {
            name: APP_NAMESPACE,
            labels: {
                ...appNamespaceLabels(config),
                "app.kubernetes.io/part-of": "agogsaas",
                ...residencyTags(config.zone, "personal"),
            },
        },
    }, onCluster);
    // Fenced before the pairs deploy: a raised quota is in place before the pods it admits.
    const isolation = new TenantIsolation(APP_NAMESPACE, plan.appIsolation, { providers: [cluster.k8sProvider], dependsOn: [namespace] });

    const pairs = {} as Record<App, BlueGreenPair>;
    for (const app of APPS) {
        const args = app === "backend" ? { ...plan.apps[app], database: cluster } : plan.apps[app];
        pairs[app] = new BlueGreenPair(app, args, { providers: [cluster.k8sProvider], dependsOn: [namespace, isolation] });
    }
    const backendDatabases = pairs.backend.colors;

    // Facilities: the EdgeSites deployed here, or the outputs of each facility's own edge stack.
    const sites = await deployEdgeSites(plan.edgeSites);
    const siteOf = new Map(sites.map((site) => [site.facilityId, site]));
    const facilityEndpoints = new Map<string, FacilityEndpoint>(config.facilities.map((facility) => {
        const site = siteOf.get(facility.id);
        return [facility.id, site ? siteEndpoint(site) : edgeStackEndpoints.get(facility.id)!];
    }));

    const adminConnection = (db: DatabaseConnection) =>
        ({ host: db.host, port: db.port, database: db.database, user: db.user, password: db.password, ssl: "require" as const });
    const colourConnections = Object.fromEntries(COLORS.map((color) => [color, adminConnection(backendDatabases[color]!.database!)]));
    // What the peers subscribe to lives in a database of its own (stacks/mesh.ts explains why).
    const peeringDatabase = cluster.createDatabase("peering-db", { databaseName: PEERING_DATABASE });
    // A lost facility's cloud workspace: a database of its own on this server (components/fallback).
    const workspaces = new Map(config.facilities.filter((f) => f.mode === "fallback").map((facility) => {
        const database = fallbackNodeName(edgeNodeName(facility.id));
        return [facility.id, adminConnection(cluster.createDatabase(`${database.replace(/_/g, "-")}-db`, { databaseName: database }))];
    }));
    const mesh = new ReplicationMesh("mesh", {
        nodes: plan.mesh.nodes.map((node) => meshNode(node, { colours: colourConnections, peering: adminConnection(peeringDatabase), workspaces }, facilityEndpoints, peerEndpoints)),
        flows: plan.mesh.flows,
        publications: plan.mesh.publications,
        // One resource per facility for its replication objects: what a 1,000-facility stack can afford (docs/scale.md).
        bundleEdges: true,
    });
    const fallback = deployFallbacks(config, mesh, facilityEndpoints, {
        host: cluster.database.host, port: cluster.database.port, user: cluster.database.adminUser, password: cluster.database.adminPassword, ssl: "require" as const,
    });
    // Lag, retained-WAL and edge-offline alerts, fed by one postgres_exporter per mesh database of this server.
    new MeshMonitoring("mesh-monitoring", {
        cluster,
        connection: adminConnection(peeringDatabase),
        databases: { ...Object.fromEntries(COLORS.map((color) => [color, backendDatabases[color]!.database!.database])), peering: peeringDatabase.database },
        edgeNodes: EDGE_NODE_PATTERN,
    });
    // Blue/green health of every app, from kube-state-metrics; the rules follow activeColor.
    cluster.addPrometheusRules("blue-green-alerts", APPS.map((app) => pairs[app].healthRuleGroup()));

    // The gateway reaches this region's backend inside the cluster (personal types never leave it).
    const backendUrl = pulumi.interpolate`http://${pairs.backend.activeServiceName}.${APP_NAMESPACE}.svc.cluster.local:${APP_SPECS.backend.port}${SUBGRAPH_PATHS.regional}`;
    const gateway = new FederationGateway(GATEWAY_NAME, {
        ...gatewayArgs(config, { own: backendUrl, peers: config.peers.map((peer) => peerEndpoints.get(peer.stack)!.graphqlUrl) }),
        inClusterSubgraphNamespaces: [APP_NAMESPACE],
        provider: cluster.k8sProvider,
    });

    const urls = regionalUrls(config.publicHostname);
    // The peering login (never the administrator's) is what peers get: see stacks/peers.ts.
    const offered = mesh.offered[peeringPublicationName(config.stack)];
    const peering: pulumi.Output<PeeringInfo> = pulumi.output({
        stack: config.stack,
        zone: config.zone,
        cloud: config.cloud,
        region: config.region,
        tables: [...plan.mesh.publications.find((p) => p.name === peeringPublicationName(config.stack))!.tables].sort(),
        graphqlUrl: subgraphUrl(urls.apiUrl, "aggregate"),
        database: {
            host: cluster.database.host, port: cluster.database.port, database: PEERING_DATABASE,
            user: offered.user, publication: peeringPublicationName(config.stack),
        },
    });

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
        federationUrl: gateway.url,
        facilities: facilitySummaries(config.facilities, facilityEndpoints),
        ...(Object.keys(fallback).length > 0 ? { fallback } : {}),
        topology: stackTopology(config, plan.mesh, gatewayArgs(config, { own: "", peers: [] }).hostname),
        replicationCapacity: cluster.replicationCapacity,
        ...peeringOutputs(peering, offered.password, mesh.plan.flows),
    };
}
