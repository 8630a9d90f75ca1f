/**
 * The two regional applications as BlueGreenPairs: what differs between backend and frontend is
 * a row of APP_SPECS; everything else comes from the stack config.
 */
import {
    BlueGreenPairArgs, ResolvedBlueGreenArgs, NetworkAllow, NetworkPeer, TenantIsolationArgs, podSecurityLabels, quotaFor,
} from "@agogsaas/pulumi";
import { blueGreenFootprint } from "../components/blue-green-pair/internal/footprint";
import type { DatabaseProvisioner } from "../components/regional-cluster/args";
import { ADDON_NAMESPACES, NATS_CLIENT_URL } from "../components/regional-cluster/internal/addons";
import { TENANT_LABEL } from "../components/k8s/isolation";
import { App, COLORS, StackConfig, configKey } from "./config";
import { FieldMap } from "./rekey";
import { regionalHosts } from "./endpoints";

/** Kubernetes namespace of the regional apps (created by the regional stack, restricted pod security). */
export const APP_NAMESPACE = "agogsaas";

interface AppSpec {
    /** Port the container serves (and is probed) on. */
    port: number;
    /** Own database per color on the regional server. */
    database: boolean;
    /** Own Redis cache per color. */
    redis: boolean;
    /** Gets the regional NATS JetStream address (`NATS_URL`). */
    nats: boolean;
    /** Which public host the Ingress routes to this app's active color. */
    host: keyof ReturnType<typeof regionalHosts>;
    /** `app.kubernetes.io/component`. */
    component: string;
}

/** Backend: the API (port 4001 as in the seed) with its database and cache; frontend: the static web app. */
export const APP_SPECS: Readonly<Record<App, AppSpec>> = {
    backend: { port: 4001, database: true, redis: true, nats: true, host: "api", component: "api" },
    frontend: { port: 8080, database: false, redis: false, nats: false, host: "app", component: "web" },
};

/** TLS certificate Secret of a public host (issued by cert-manager or imported; see docs/stacks.md). */
export function tlsSecretName(app: App): string {
    return `${app}-tls`;
}

export function blueGreenArgs(config: StackConfig, app: App, database?: DatabaseProvisioner): BlueGreenPairArgs {
    const spec = APP_SPECS[app];
    return {
        app,
        zone: config.zone,
        image: config.images[app],
        colors: Object.fromEntries(COLORS.map((color) => [color, { version: config.versions[app][color] }])),
        activeColor: config.activeColor,
        namespace: APP_NAMESPACE,
        component: spec.component,
        port: spec.port,
        redis: spec.redis,
        database: spec.database ? database : undefined,
        env: { AGOGSAAS_REGION: config.stack, AGOGSAAS_ZONE: config.zone, ...(spec.nats ? { NATS_URL: NATS_CLIENT_URL } : {}) },
        ingress: { host: regionalHosts(config.publicHostname)[spec.host], tlsSecretName: tlsSecretName(app) },
    };
}

/** Which config key each BlueGreenPair args path of `app` comes from. */
export function blueGreenFields(app: App): FieldMap {
    return {
        zone: configKey("zone"),
        image: `${configKey("images")}.${app}`,
        activeColor: configKey("activeColor"),
        "colors.blue.version": `${configKey("versions")}.${app}.blue`,
        "colors.green.version": `${configKey("versions")}.${app}.green`,
        "ingress.host": configKey("publicHostname"),
    };
}

/** Labels of the apps' namespace: restricted Pod Security, the tenant (the stack's environment). */
export function appNamespaceLabels(config: StackConfig): Record<string, string> {
    return { ...podSecurityLabels("restricted"), [TENANT_LABEL]: config.environment };
}

/**
 * The apps' namespace fence: ingress controller → each app's port, the gateway → the backend,
 * monitoring → scrape; the backend → its caches, the PostgreSQL subnets and NATS. The quota is
 * what both colours of every app can reach at their HPA ceilings (docs/isolation.md).
 */
export function appIsolation(
    apps: Record<App, ResolvedBlueGreenArgs>, network: { databaseCidrs: string[]; gateway: NetworkPeer; monitoring: boolean },
): TenantIsolationArgs {
    const ingress: NetworkAllow[] = [];
    const egress: NetworkAllow[] = [];
    for (const app of Object.keys(APP_SPECS) as App[]) {
        const spec = APP_SPECS[app];
        const pods = { "app.kubernetes.io/name": app };
        ingress.push({ name: `${app}-from-ingress-controller`, peers: [{ namespace: ADDON_NAMESPACES.ingressNginx }], ports: [spec.port], podLabels: pods });
        if (network.monitoring) ingress.push({ name: `${app}-from-monitoring`, peers: [{ namespace: ADDON_NAMESPACES.monitoring }], ports: [spec.port], podLabels: pods });
        if (spec.redis) egress.push({ name: `${app}-to-cache`, peers: [{ podLabels: { "app.kubernetes.io/name": "redis" } }], ports: [6379], podLabels: pods });
        if (spec.database) egress.push({ name: `${app}-to-postgres`, peers: network.databaseCidrs.map((cidr) => ({ cidr })), ports: [5432], podLabels: pods });
        if (spec.nats) egress.push({ name: `${app}-to-nats`, peers: [{ namespace: ADDON_NAMESPACES.nats }], ports: [4222], podLabels: pods });
    }
    // The federation gateway reads the backend's regional subgraph inside the cluster.
    ingress.push({ name: "backend-from-gateway", peers: [network.gateway], ports: [APP_SPECS.backend.port], podLabels: { "app.kubernetes.io/name": "backend" } });
    return {
        namespace: APP_NAMESPACE,
        ingress,
        egress,
        quota: quotaFor((Object.keys(APP_SPECS) as App[]).map((app) => blueGreenFootprint(apps[app]))),
    };
}
