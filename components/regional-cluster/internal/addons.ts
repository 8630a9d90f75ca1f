/**
 * Cluster add-ons, the same on both clouds: NATS JetStream, Redis, ingress-nginx and
 * kube-prometheus-stack, as Helm releases with pinned chart versions through the cluster's
 * provider. Only the load balancer annotations differ per cloud.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { residencyTags } from "../../shared/sovereignty";
import {
    NetworkAllow, POD_SECURITY_EXCEPTION_ANNOTATION, PodSecurityLevel, TenantIsolation, TenantIsolationArgs,
    podSecurityLabels,
} from "../../k8s/isolation";
import type { Cloud, ResolvedRegionalArgs } from "../args";

/** Pinned charts. Bump deliberately (and read the chart's upgrade notes). */
export const CHARTS = {
    nats: { chart: "nats", version: "1.3.10", repo: "https://nats-io.github.io/k8s/helm/charts/" },
    redis: { chart: "oci://registry-1.docker.io/bitnamicharts/redis", version: "20.7.0" },
    ingressNginx: { chart: "ingress-nginx", version: "4.12.1", repo: "https://kubernetes.github.io/ingress-nginx" },
    monitoring: { chart: "kube-prometheus-stack", version: "72.9.1", repo: "https://prometheus-community.github.io/helm-charts" },
} as const;

/** Namespaces the add-ons live in. */
export const ADDON_NAMESPACES = { nats: "nats", redis: "redis", ingressNginx: "ingress-nginx", monitoring: "monitoring" } as const;

/** NATS's release name is pinned (not generated) so apps can be given its address as plain config. */
export const NATS_RELEASE_NAME = "nats";
/** In-cluster client URL of the NATS add-on (the chart names its Service after the release). */
export const NATS_CLIENT_URL = `nats://${NATS_RELEASE_NAME}.${ADDON_NAMESPACES.nats}.svc.cluster.local:4222`;

/** One group of a PrometheusRule (`monitoring.coreos.com/v1`), as the mesh helper produces them. */
export interface PrometheusRuleGroup {
    name: string;
    interval?: string;
    rules: Array<{
        alert?: string;
        record?: string;
        expr: string;
        for?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
    }>;
}

export interface RegionalAddonReleases {
    nats?: k8s.helm.v3.Release;
    redis?: k8s.helm.v3.Release;
    ingressNginx?: k8s.helm.v3.Release;
    monitoring?: k8s.helm.v3.Release;
    /** Grafana's admin password (secret), when monitoring is installed. */
    grafanaAdminPassword?: pulumi.Output<string>;
}

/** Service annotations that give ingress-nginx a zone-spread external load balancer. */
const LOAD_BALANCER_ANNOTATIONS: Record<Cloud, Record<string, string>> = {
    aws: {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
    },
    azure: {
        "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz",
    },
};

/**
 * Pod Security level each add-on namespace enforces, and why it is below restricted: the charts'
 * pods are the upstream ones, not built here. `audit` and `warn` stay at restricted.
 */
export const ADDON_POD_SECURITY: Record<keyof typeof ADDON_NAMESPACES, { level: PodSecurityLevel; why: string }> = {
    nats: { level: "baseline", why: "the nats chart's pods set no seccomp profile or runAsNonRoot by default" },
    redis: { level: "baseline", why: "the bitnami redis chart's pods are not verified against restricted (sentinel, init containers)" },
    ingressNginx: { level: "baseline", why: "the ingress-nginx controller binds ports 80/443 with NET_BIND_SERVICE and is not verified against restricted" },
    monitoring: { level: "privileged", why: "prometheus-node-exporter needs hostNetwork, hostPID and hostPath to read node metrics" },
};

/** Anywhere: the API server, kubelets and node exporters have no pod labels, their addresses are the cloud's. */
const ANYWHERE = [{ cidr: "0.0.0.0/0" }];
/** The Kubernetes API server (managed control plane: port 443 on addresses the cloud picks). */
const API_SERVER: NetworkAllow = { name: "api-server", peers: ANYWHERE, ports: [443] };

/**
 * The NetworkPolicies of each add-on namespace (default-deny plus these allows): the add-on's own
 * pods talk among themselves, clients come only from `addonClientNamespaces`, monitoring scrapes.
 */
export function addonIsolation(key: keyof typeof ADDON_NAMESPACES, settings: Pick<ResolvedRegionalArgs, "addonClientNamespaces" | "databaseCidrs" | "addons">): Omit<TenantIsolationArgs, "namespace"> {
    const clients = settings.addonClientNamespaces.map((namespace) => ({ namespace }));
    const fromMonitoring = settings.addons.monitoring ? [{ namespace: ADDON_NAMESPACES.monitoring }] : [];
    const ingressController = { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" };
    switch (key) {
        case "nats":
            return { allowWithinNamespace: true, ingress: clients.length ? [{ name: "clients", peers: clients, ports: [4222] }] : [] };
        case "redis":
            return { allowWithinNamespace: true, ingress: clients.length ? [{ name: "clients", peers: clients, ports: [6379, 26379] }] : [] };
        case "ingressNginx":
            return {
                ingress: [
                    // externalTrafficPolicy Local keeps client addresses: the public is anyone.
                    { name: "public", peers: ANYWHERE, ports: [80, 443], podLabels: ingressController },
                    { name: "admission-webhook", peers: ANYWHERE, ports: [8443], podLabels: ingressController },
                    ...(fromMonitoring.length ? [{ name: "metrics", peers: fromMonitoring, ports: [10254], podLabels: ingressController }] : []),
                ],
                // Backends in any namespace; each backend namespace's own policies decide whether it accepts.
                egress: [{ name: "backends", peers: [{ anyNamespace: true }] }, API_SERVER],
            };
        case "monitoring":
            return {
                allowWithinNamespace: true,
                ingress: [{ name: "operator-webhook", peers: ANYWHERE, ports: [10250], podLabels: { app: "kube-prometheus-stack-operator" } }],
                egress: [
                    { name: "scrape", peers: [{ anyNamespace: true }] },
                    // API server, kubelets (cAdvisor) and node exporters (host network), alert receivers.
                    { ...API_SERVER, name: "cluster-and-receivers", ports: [443, 9100, 10250] },
                    // postgres_exporter reads the regional PostgreSQL server.
                    { name: "postgres", peers: settings.databaseCidrs.map((cidr) => ({ cidr })), ports: [5432] },
                ],
            };
    }
}

/** Spread replicas over the three zones. */
const ZONE_SPREAD = { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" };

export function installAddons(
    name: string, settings: ResolvedRegionalArgs, provider: k8s.Provider, parent: pulumi.Resource,
): RegionalAddonReleases {
    const opts = { parent, provider };
    const releases: RegionalAddonReleases = {};
    const dataLabels = residencyTags(settings.zone, "operational");

    const namespace = (key: keyof typeof ADDON_NAMESPACES, dataBearing: boolean): k8s.core.v1.Namespace => {
        const security = ADDON_POD_SECURITY[key];
        const ns = new k8s.core.v1.Namespace(`${name}-${ADDON_NAMESPACES[key]}-ns`, {
            metadata: {
                name: ADDON_NAMESPACES[key],
                labels: {
                    "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "agogsaas",
                    ...podSecurityLabels(security.level), ...(dataBearing ? dataLabels : {}),
                },
                annotations: { [POD_SECURITY_EXCEPTION_ANNOTATION]: security.why },
            },
        }, opts);
        new TenantIsolation(`${name}-${ADDON_NAMESPACES[key]}`, { namespace: ADDON_NAMESPACES[key], ...addonIsolation(key, settings) }, { ...opts, dependsOn: [ns] });
        return ns;
    };

    if (settings.addons.monitoring) {
        const ns = namespace("monitoring", false);
        const grafanaPassword = new random.RandomPassword(`${name}-grafana-admin`, { length: 24, special: false }, { parent });
        releases.grafanaAdminPassword = grafanaPassword.result;
        releases.monitoring = new k8s.helm.v3.Release(`${name}-monitoring`, {
            chart: CHARTS.monitoring.chart,
            version: CHARTS.monitoring.version,
            repositoryOpts: { repo: CHARTS.monitoring.repo },
            namespace: ns.metadata.name,
            values: {
                grafana: { adminPassword: grafanaPassword.result, persistence: { enabled: true, size: "10Gi" } },
                prometheus: {
                    prometheusSpec: {
                        retention: "15d",
                        // Pick up every PrometheusRule/ServiceMonitor, not only this release's.
                        ruleSelectorNilUsesHelmValues: false,
                        serviceMonitorSelectorNilUsesHelmValues: false,
                        podMonitorSelectorNilUsesHelmValues: false,
                        storageSpec: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } } } },
                    },
                },
                alertmanager: { alertmanagerSpec: { replicas: 2 } },
            },
        }, opts);
    }

    if (settings.addons.nats) {
        const ns = namespace("nats", true);
        releases.nats = new k8s.helm.v3.Release(`${name}-nats`, {
            name: NATS_RELEASE_NAME,
            chart: CHARTS.nats.chart,
            version: CHARTS.nats.version,
            repositoryOpts: { repo: CHARTS.nats.repo },
            namespace: ns.metadata.name,
            values: {
                config: {
                    cluster: { enabled: true, replicas: 3 },
                    jetstream: { enabled: true, fileStore: { enabled: true, pvc: { enabled: true, size: "20Gi" } } },
                },
                podTemplate: { topologySpreadConstraints: { "topology.kubernetes.io/zone": { maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" } } },
                natsBox: { enabled: false },
            },
        }, opts);
    }

    if (settings.addons.redis) {
        const ns = namespace("redis", true);
        const redisPassword = new random.RandomPassword(`${name}-redis-auth`, { length: 32, special: false }, { parent });
        releases.redis = new k8s.helm.v3.Release(`${name}-redis`, {
            chart: CHARTS.redis.chart,
            version: CHARTS.redis.version,
            namespace: ns.metadata.name,
            values: {
                architecture: "replication",
                auth: { enabled: true, password: redisPassword.result },
                sentinel: { enabled: true },
                replica: { replicaCount: 3, topologySpreadConstraints: [{ ...ZONE_SPREAD, labelSelector: { matchLabels: { "app.kubernetes.io/name": "redis" } } }] },
                commonLabels: dataLabels,
            },
        }, opts);
    }

    if (settings.addons.ingressNginx) {
        const ns = namespace("ingressNginx", false);
        releases.ingressNginx = new k8s.helm.v3.Release(`${name}-ingress-nginx`, {
            chart: CHARTS.ingressNginx.chart,
            version: CHARTS.ingressNginx.version,
            repositoryOpts: { repo: CHARTS.ingressNginx.repo },
            namespace: ns.metadata.name,
            values: {
                controller: {
                    replicaCount: 3,
                    ingressClassResource: { name: "nginx", default: true },
                    service: { externalTrafficPolicy: "Local", annotations: LOAD_BALANCER_ANNOTATIONS[settings.cloud] },
                    topologySpreadConstraints: [{ ...ZONE_SPREAD, labelSelector: { matchLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" } } }],
                    metrics: { enabled: true, serviceMonitor: { enabled: settings.addons.monitoring } },
                },
            },
        // The ServiceMonitor needs the CRDs kube-prometheus-stack installs.
        }, { ...opts, dependsOn: releases.monitoring ? [releases.monitoring] : [] });
    }

    return releases;
}
