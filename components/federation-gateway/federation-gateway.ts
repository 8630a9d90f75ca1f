/**
 * FederationGateway: a read-only GraphQL federation gateway on Kubernetes, answering
 * cross-region questions from the regions' subgraphs without storing data.
 *
 * The router is Hive Gateway (MIT, image pinned by tag); the supergraph is composed at program
 * time with `@theguild/federation-composition` (MIT). Apollo Router and `@apollo/composition` are
 * under the Elastic License 2.0 and deliberately not used. Whatever router runs it, the composed
 * supergraph has no Mutation or Subscription root, so read-only holds on any of them.
 *
 * All checks (shape, read-only, sovereignty: only aggregate types from other zones) run in the
 * constructor before any resource is registered. Subgraph URLs may be Outputs (stack
 * references); the supergraph is then composed again with the resolved URLs, which cannot fail
 * differently since URLs take no part in composition.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ValidationError } from "../shared/errors";
import { Zone, assertZone } from "../shared/sovereignty";
import { assertPinnedImage, parseImageRef } from "../shared/image-ref";
import { ComposedSupergraph, assertSubgraphUrl, composeSupergraph, validateSubgraphs } from "./internal/compose";
import { GATEWAY_CONFIG_DIR, GATEWAY_CONFIG_FILE, GATEWAY_HEALTH_PATHS, GATEWAY_PORT, SUBGRAPHS_FILE, SUPERGRAPH_FILE, gatewayConfigFile } from "./internal/gateway-config";
import { appLabels } from "../k8s/labels";
import { assertDns1123Label, assertDns1123Subdomain, assertNamespaceList } from "../k8s/names";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, writableScratch } from "../k8s/security";
import { NetworkPeer, TenantIsolation, podSecurityLabels } from "../k8s/isolation";
import { DEFAULT_GATEWAY_IMAGE, DEFAULT_GATEWAY_NAMESPACE, DEFAULT_REDIS_IMAGE, FEDERATION_GATEWAY_TYPE, FederationGatewayArgs, GATEWAY_APP_NAME, GATEWAY_UID, REDIS_PORT, REDIS_UID, REDIS_URL_ENV } from "./args";

export * from "./args";
export { composeSupergraph, ComposedSupergraph, SubgraphDefinition } from "./internal/compose";
export { regionalSubgraphSdl, regionRootField, subgraphUrl, SubgraphAudience, SUBGRAPH_PATHS } from "./internal/regional-subgraph";

/** The gateway's pods as a NetworkPolicy peer, for the namespaces of in-cluster subgraphs to let them in. */
export function gatewayPeer(args: Pick<FederationGatewayArgs, "namespace">): NetworkPeer {
    return { namespace: args.namespace ?? DEFAULT_GATEWAY_NAMESPACE, podLabels: { "app.kubernetes.io/name": GATEWAY_APP_NAME } };
}

interface GatewaySettings {
    zone: Zone;
    namespace: string;
    image: string;
    redisImage: string;
    hostname: string;
    minReplicas: number;
    maxReplicas: number;
    cacheTtlSeconds: number;
    ingressClassName: string;
    tlsSecretName?: string;
    ingressControllerNamespace: string;
    inClusterSubgraphNamespaces: string[];
}

function positiveInt(field: string, value: unknown, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
        throw new ValidationError(field, `must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return value;
}

function validateGatewayArgs(name: string, args: FederationGatewayArgs): GatewaySettings {
    if (args === null || typeof args !== "object") throw new ValidationError(name, "FederationGateway args are required");
    const at = (key: string): string => `${name}.${key}`;
    const zone = assertZone(at("zone"), args.zone);
    const production = args.production ?? false;
    // Shape, read-only and sovereignty of every subgraph; URLs checked now when they are plain strings.
    validateSubgraphs({ gatewayZone: zone, subgraphs: args.subgraphs, field: at("subgraphs") }, false);
    args.subgraphs.forEach((s, i) => {
        if (!pulumi.Output.isInstance(s.url)) assertSubgraphUrl(at(`subgraphs[${i}].url`), s.url);
    });
    const image = args.image ?? DEFAULT_GATEWAY_IMAGE;
    const redisImage = args.redisImage ?? DEFAULT_REDIS_IMAGE;
    assertPinnedImage(at("image"), image, production);
    assertPinnedImage(at("redisImage"), redisImage, production);
    const minReplicas = positiveInt(at("replicas.min"), args.replicas?.min, 2);
    const maxReplicas = positiveInt(at("replicas.max"), args.replicas?.max, 6);
    if (maxReplicas < minReplicas) {
        throw new ValidationError(at("replicas.max"), `must be >= replicas.min (${minReplicas}), got ${maxReplicas}`);
    }
    return {
        zone,
        namespace: assertDns1123Label(at("namespace"), args.namespace ?? DEFAULT_GATEWAY_NAMESPACE),
        image,
        redisImage,
        hostname: assertDns1123Subdomain(at("hostname"), args.hostname),
        minReplicas,
        maxReplicas,
        cacheTtlSeconds: positiveInt(at("cacheTtlSeconds"), args.cacheTtlSeconds, 30),
        ingressClassName: assertDns1123Subdomain(at("ingressClassName"), args.ingressClassName ?? "nginx"),
        tlsSecretName: args.tlsSecretName === undefined ? undefined : assertDns1123Subdomain(at("tlsSecretName"), args.tlsSecretName),
        ingressControllerNamespace: assertDns1123Label(at("ingressControllerNamespace"), args.ingressControllerNamespace ?? "ingress-nginx"),
        inClusterSubgraphNamespaces: assertNamespaceList(at("inClusterSubgraphNamespaces"), args.inClusterSubgraphNamespaces ?? []),
    };
}

export class FederationGateway extends pulumi.ComponentResource {
    /** The composed supergraph SDL (with the resolved subgraph URLs). */
    public readonly supergraphSdl: pulumi.Output<string>;
    /** The client-facing schema (no Mutation, no Subscription). */
    public readonly publicSdl: string;
    /** `https://<hostname>/graphql`. */
    public readonly url: string;
    /** In-cluster URL of the gateway Service. */
    public readonly internalUrl: string;
    /** Subgraphs with their zone and whether they cross zones (aggregate only). */
    public readonly subgraphs: ComposedSupergraph["subgraphs"];

    constructor(name: string, args: FederationGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = validateGatewayArgs(name, args);
        // Compose once now (placeholder URLs): composition errors fail before anything is registered.
        const preview = composeSupergraph({
            gatewayZone: settings.zone,
            field: `${name}.subgraphs`,
            subgraphs: args.subgraphs.map((s) => ({ ...s, url: `https://${s.name}.subgraph.invalid/graphql` })),
        });
        // Args are not handed to super(): the engine would store them as the component's inputs in state,
        // and a password given as a plain string there would not be encrypted. Children carry them instead.
        super(FEDERATION_GATEWAY_TYPE, name, {}, opts);

        this.publicSdl = preview.publicSdl;
        this.subgraphs = preview.subgraphs;
        this.supergraphSdl = pulumi.all(args.subgraphs.map((s) => s.url)).apply((urls) =>
            composeSupergraph({
                gatewayZone: settings.zone,
                field: `${name}.subgraphs`,
                subgraphs: args.subgraphs.map((s, i) => ({ name: s.name, zone: s.zone, sdl: s.sdl, url: urls[i] })),
            }).supergraphSdl);

        const child: pulumi.CustomResourceOptions = { parent: this, ...(args.provider ? { provider: args.provider } : {}) };
        const gatewayLabels = appLabels({ name: GATEWAY_APP_NAME, instance: name, component: "federation-gateway", version: imageTag(settings.image) });
        // The cache holds query results: as sensitive as the most sensitive type served.
        const redisLabels = appLabels({
            name: "redis", instance: `${name}-cache`, component: "federation-cache", version: imageTag(settings.redisImage),
            residency: { zone: settings.zone, classification: preview.classification },
        });
        const selector = (labels: Record<string, string>) => ({
            "app.kubernetes.io/name": labels["app.kubernetes.io/name"],
            "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"],
        });

        const namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: settings.namespace, labels: { ...appLabels({ name: "federation", instance: name, component: "namespace" }), ...podSecurityLabels("restricted") } },
        }, child);
        const ns = namespace.metadata.name;

        // Default-deny, then: the ingress controller to the gateway, the gateway to its cache and its subgraphs.
        const gatewayPods = selector(gatewayLabels);
        new TenantIsolation(`${name}-isolation`, {
            namespace: settings.namespace,
            ingress: [
                { name: "ingress-controller", peers: [{ namespace: settings.ingressControllerNamespace }], ports: [GATEWAY_PORT], podLabels: gatewayPods },
                { name: "cache-clients", peers: [{ podLabels: gatewayPods }], ports: [REDIS_PORT], podLabels: selector(redisLabels) },
            ],
            egress: [
                { name: "cache", peers: [{ podLabels: selector(redisLabels) }], ports: [REDIS_PORT], podLabels: gatewayPods },
                ...(settings.inClusterSubgraphNamespaces.length
                    ? [{ name: "in-cluster-subgraphs", peers: settings.inClusterSubgraphNamespaces.map((namespace) => ({ namespace })), podLabels: gatewayPods }]
                    : []),
                // Peer regions' subgraphs are public HTTPS endpoints.
                { name: "external-subgraphs", peers: [{ cidr: "0.0.0.0/0" }], ports: [443], podLabels: gatewayPods },
            ],
        }, { ...child, dependsOn: [namespace] });

        // --- Redis response cache: no persistence (a cache), bounded memory.
        const redisScratch = writableScratch(["/data"]);
        const redis = new k8s.apps.v1.Deployment(`${name}-redis`, {
            metadata: { name: `${name}-redis`, namespace: ns, labels: redisLabels },
            spec: {
                replicas: 1,
                selector: { matchLabels: selector(redisLabels) },
                template: {
                    metadata: { labels: redisLabels },
                    spec: {
                        securityContext: restrictedPodSecurityContext(REDIS_UID),
                        automountServiceAccountToken: false,
                        containers: [{
                            name: "redis",
                            image: settings.redisImage,
                            args: ["--save", "", "--appendonly", "no", "--maxmemory", "200mb", "--maxmemory-policy", "allkeys-lru"],
                            ports: [{ name: "redis", containerPort: REDIS_PORT }],
                            readinessProbe: { exec: { command: ["redis-cli", "ping"] }, periodSeconds: 10 },
                            livenessProbe: { tcpSocket: { port: REDIS_PORT }, periodSeconds: 20 },
                            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                            securityContext: restrictedContainerSecurityContext(REDIS_UID),
                            volumeMounts: redisScratch.mounts,
                        }],
                        volumes: redisScratch.volumes,
                    },
                },
            },
        }, child);
        const redisService = new k8s.core.v1.Service(`${name}-redis`, {
            metadata: { name: `${name}-redis`, namespace: ns, labels: redisLabels },
            spec: { selector: selector(redisLabels), ports: [{ name: "redis", port: REDIS_PORT, targetPort: REDIS_PORT }] },
        }, { ...child, dependsOn: [redis] });

        // --- Gateway config: the supergraph and gateway.config.ts, mounted read-only.
        const configFile = gatewayConfigFile({ cacheTtlSeconds: settings.cacheTtlSeconds, redisUrlEnv: REDIS_URL_ENV });
        const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
            metadata: { name: `${name}-config`, namespace: ns, labels: gatewayLabels },
            data: {
                [SUPERGRAPH_FILE]: this.supergraphSdl,
                [GATEWAY_CONFIG_FILE]: configFile,
                // Declares each subgraph's zone and type classes so the policy pack can re-check the graph.
                [SUBGRAPHS_FILE]: JSON.stringify({ zone: settings.zone, subgraphs: this.subgraphs }, null, 2),
            },
        }, child);
        // Pods roll when the supergraph or config changes.
        const checksum = this.supergraphSdl.apply((sdl) => createHash("sha256").update(sdl).update(configFile).digest("hex"));

        const scratch = writableScratch(["/tmp"]);
        const httpProbe = (path: string) => ({ httpGet: { path, port: "http" } });
        const deployment = new k8s.apps.v1.Deployment(`${name}-gateway`, {
            metadata: { name: `${name}-gateway`, namespace: ns, labels: gatewayLabels },
            spec: {
                replicas: settings.minReplicas,
                selector: { matchLabels: selector(gatewayLabels) },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: { labels: gatewayLabels, annotations: { "agogsaas.io/config-checksum": checksum } },
                    spec: {
                        securityContext: restrictedPodSecurityContext(GATEWAY_UID),
                        automountServiceAccountToken: false,
                        containers: [{
                            name: "gateway",
                            image: settings.image,
                            args: ["-c", `${GATEWAY_CONFIG_DIR}/${GATEWAY_CONFIG_FILE}`, "supergraph"],
                            env: [
                                { name: REDIS_URL_ENV, value: pulumi.interpolate`redis://${redisService.metadata.name}.${ns}.svc.cluster.local:${REDIS_PORT}` },
                                { name: "NODE_ENV", value: "production" },
                            ],
                            ports: [{ name: "http", containerPort: GATEWAY_PORT }],
                            startupProbe: { ...httpProbe(GATEWAY_HEALTH_PATHS.liveness), periodSeconds: 5, failureThreshold: 24 },
                            livenessProbe: { ...httpProbe(GATEWAY_HEALTH_PATHS.liveness), periodSeconds: 10, failureThreshold: 3 },
                            readinessProbe: { ...httpProbe(GATEWAY_HEALTH_PATHS.readiness), periodSeconds: 5, failureThreshold: 3 },
                            resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
                            securityContext: restrictedContainerSecurityContext(GATEWAY_UID),
                            volumeMounts: [{ name: "config", mountPath: GATEWAY_CONFIG_DIR, readOnly: true }, ...scratch.mounts],
                        }],
                        volumes: [{ name: "config", configMap: { name: config.metadata.name } }, ...scratch.volumes],
                    },
                },
            },
        }, child);

        const service = new k8s.core.v1.Service(`${name}-gateway`, {
            metadata: { name: `${name}-gateway`, namespace: ns, labels: gatewayLabels },
            spec: { selector: selector(gatewayLabels), ports: [{ name: "http", port: 80, targetPort: "http" }] },
        }, child);

        new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-gateway`, {
            metadata: { name: `${name}-gateway`, namespace: ns, labels: gatewayLabels },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
                minReplicas: settings.minReplicas,
                maxReplicas: settings.maxReplicas,
                metrics: [
                    { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
                    { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } },
                ],
            },
        }, child);

        new k8s.policy.v1.PodDisruptionBudget(`${name}-gateway`, {
            metadata: { name: `${name}-gateway`, namespace: ns, labels: gatewayLabels },
            spec: { maxUnavailable: 1, selector: { matchLabels: selector(gatewayLabels) } },
        }, child);

        new k8s.networking.v1.Ingress(`${name}-gateway`, {
            metadata: { name: `${name}-gateway`, namespace: ns, labels: gatewayLabels },
            spec: {
                ingressClassName: settings.ingressClassName,
                tls: settings.tlsSecretName ? [{ hosts: [settings.hostname], secretName: settings.tlsSecretName }] : undefined,
                rules: [{
                    host: settings.hostname,
                    http: { paths: [{ path: "/graphql", pathType: "Prefix", backend: { service: { name: service.metadata.name, port: { name: "http" } } } }] },
                }],
            },
        }, child);

        this.url = `https://${settings.hostname}/graphql`;
        this.internalUrl = `http://${name}-gateway.${settings.namespace}.svc.cluster.local/graphql`;
        this.registerOutputs({ url: this.url, internalUrl: this.internalUrl, subgraphs: this.subgraphs, supergraphSdl: this.supergraphSdl });
    }
}

/** The version label of an image: its tag, or "digest" when only a digest pins it. */
function imageTag(reference: string): string {
    return parseImageRef(reference)?.tag ?? "digest";
}
