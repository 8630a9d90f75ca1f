/**
 * BlueGreenPair: one application on Kubernetes in two colours. Per colour: a Deployment, a
 * Service, an HPA, a PDB, its own Redis and (optionally) its own database on the regional server.
 * Shared: an `active` Service selecting `activeColor`, a `preview` Service selecting the other
 * colour, and an Ingress to `active`.
 *
 * A switch is a config flip of `activeColor`: it changes the two shared Services' selectors and
 * nothing else, so no pod restarts. Everything per colour is built from inputs that do not mention
 * `activeColor`; the tests check the Deployments are identical before and after a flip.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { appLabels } from "../k8s/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, writableScratch } from "../k8s/security";
import type { DatabaseConnection } from "../regional-cluster/args";
import type { PrometheusRuleGroup } from "../regional-cluster/internal/addons";
import { BlueGreenAlertThresholds, blueGreenAlertRules } from "./internal/alerts";
import { CACHE_RESOURCES, ROLLING_SURGE, blueGreenFootprint } from "./internal/footprint";
import type { ResourceFootprint } from "../k8s/isolation";
import { BlueGreenPairArgs, Color, REDIS_IMAGE, REDIS_PORT, REDIS_UID, ResolvedBlueGreenArgs, ResolvedColor, otherColor, resolveBlueGreenArgs } from "./args";

export * from "./args";


/** The objects of one colour. */
export interface ColorResources {
    version: string;
    deployment: k8s.apps.v1.Deployment;
    service: k8s.core.v1.Service;
    hpa?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
    pdb: k8s.policy.v1.PodDisruptionBudget;
    redis?: { deployment: k8s.apps.v1.Deployment; service: k8s.core.v1.Service };
    database?: DatabaseConnection;
    secret?: k8s.core.v1.Secret;
}

export class BlueGreenPair extends pulumi.ComponentResource {
    public readonly settings: ResolvedBlueGreenArgs;
    public readonly activeColor: pulumi.Output<Color>;
    /** Name of the Service that always points at the active colour. */
    public readonly activeServiceName: pulumi.Output<string>;
    /** Name of the Service that points at the other colour (smoke tests before a switch). */
    public readonly previewServiceName: pulumi.Output<string>;
    /** `https://host` (or `http://` without TLS) when an Ingress is configured. */
    public readonly url?: pulumi.Output<string>;
    /** Per colour, for colours that have a version. */
    public readonly colors: Partial<Record<Color, ColorResources>> = {};

    constructor(name: string, args: BlueGreenPairArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before super(): a bad input must register nothing, not even this component.
        const s = resolveBlueGreenArgs(name, args);
        // Args are not handed to super(): the engine would store them as the component's inputs in state,
        // and a password given as a plain string there would not be encrypted. Children carry them instead.
        super("agogsaas:bluegreen:BlueGreenPair", name, {}, opts);
        this.settings = s;
        const parent = { parent: this };

        for (const spec of s.colors) {
            this.colors[spec.color] = this.deployColor(name, s, spec, args, parent);
        }

        // ---- Routing: the only objects whose inputs depend on activeColor ---------------------
        const routed = (role: "active" | "preview", color: Color) => new k8s.core.v1.Service(`${name}-${role}`, {
            metadata: {
                name: `${s.app}-${role}`,
                namespace: s.namespace,
                labels: appLabels({ name: s.app, instance: `${s.app}-${role}`, component: s.component }),
            },
            spec: {
                type: "ClusterIP",
                selector: { "app.kubernetes.io/name": s.app, color },
                ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
            },
        }, parent);
        const active = routed("active", s.activeColor);
        const preview = routed("preview", otherColor(s.activeColor));

        if (s.ingress) {
            const ingress = new k8s.networking.v1.Ingress(name, {
                metadata: {
                    name: s.app,
                    namespace: s.namespace,
                    labels: appLabels({ name: s.app, instance: s.app, component: s.component }),
                    annotations: s.ingress.tlsSecretName ? { "nginx.ingress.kubernetes.io/ssl-redirect": "true" } : {},
                },
                spec: {
                    ingressClassName: s.ingress.className,
                    tls: s.ingress.tlsSecretName ? [{ hosts: [s.ingress.host], secretName: s.ingress.tlsSecretName }] : undefined,
                    rules: [{
                        host: s.ingress.host,
                        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: active.metadata.name, port: { name: "http" } } } }] },
                    }],
                },
            }, parent);
            this.url = ingress.metadata.name.apply(() => `${s.ingress!.tlsSecretName ? "https" : "http"}://${s.ingress!.host}`);
        }

        this.activeColor = pulumi.output(s.activeColor);
        this.activeServiceName = active.metadata.name;
        this.previewServiceName = preview.metadata.name;
        this.registerOutputs({
            activeColor: this.activeColor,
            activeServiceName: this.activeServiceName,
            previewServiceName: this.previewServiceName,
            url: this.url,
        });
    }

    /**
     * The pair's health alerts as a rule group (active colour down or below its floor, standby not
     * ready), for `RegionalCluster.addPrometheusRules`. They name the active colour of these settings.
     */
    public healthRuleGroup(thresholds?: BlueGreenAlertThresholds): PrometheusRuleGroup {
        return { name: `${this.settings.app}-blue-green`, rules: blueGreenAlertRules(this.settings, thresholds) };
    }

    /** The most the pair asks of its namespace (both colours' peaks, caches, rollout surge): sum these into a quota. */
    public footprint(): ResourceFootprint {
        return blueGreenFootprint(this.settings);
    }

    private deployColor(name: string, s: ResolvedBlueGreenArgs, spec: ResolvedColor, args: BlueGreenPairArgs, parent: pulumi.CustomResourceOptions): ColorResources {
        const { color, version, replicas } = spec;
        const objectName = `${s.app}-${color}`;
        const residency = { zone: s.zone, classification: s.classification };
        const selector = { "app.kubernetes.io/name": s.app, color };
        const podLabels = appLabels({ name: s.app, instance: objectName, component: s.component, version, residency, extra: { color } });
        const meta = (suffix: string, labels: Record<string, string>) => ({ name: `${objectName}${suffix}`, namespace: s.namespace, labels });

        // ---- Redis (cache only: no persistence, evicts under pressure) -------------------------
        let redis: ColorResources["redis"];
        if (s.redis) {
            const redisLabels = appLabels({ name: "redis", instance: `${objectName}-redis`, component: "cache", residency, extra: { color } });
            const redisSelector = { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": `${objectName}-redis` };
            const scratch = writableScratch(["/data"]);
            const deployment = new k8s.apps.v1.Deployment(`${name}-${color}-redis`, {
                metadata: meta("-redis", redisLabels),
                spec: {
                    replicas: 1,
                    selector: { matchLabels: redisSelector },
                    template: {
                        metadata: { labels: redisLabels },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(REDIS_UID),
                            containers: [{
                                name: "redis",
                                image: REDIS_IMAGE,
                                args: ["--save", "", "--appendonly", "no", "--maxmemory", "200mb", "--maxmemory-policy", "allkeys-lru"],
                                ports: [{ name: "redis", containerPort: REDIS_PORT }],
                                resources: CACHE_RESOURCES,
                                livenessProbe: { tcpSocket: { port: "redis" }, initialDelaySeconds: 10, periodSeconds: 10 },
                                readinessProbe: { exec: { command: ["redis-cli", "ping"] }, initialDelaySeconds: 5, periodSeconds: 5 },
                                securityContext: restrictedContainerSecurityContext(REDIS_UID),
                                volumeMounts: scratch.mounts,
                            }],
                            volumes: scratch.volumes,
                        },
                    },
                },
            }, parent);
            const service = new k8s.core.v1.Service(`${name}-${color}-redis`, {
                metadata: meta("-redis", redisLabels),
                spec: { type: "ClusterIP", selector: redisSelector, ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis", protocol: "TCP" }] },
            }, parent);
            // Only this colour's app pods may talk to this colour's cache.
            new k8s.networking.v1.NetworkPolicy(`${name}-${color}-redis`, {
                metadata: meta("-redis", redisLabels),
                spec: {
                    podSelector: { matchLabels: redisSelector },
                    policyTypes: ["Ingress"],
                    ingress: [{ from: [{ podSelector: { matchLabels: selector } }], ports: [{ port: REDIS_PORT, protocol: "TCP" }] }],
                },
            }, parent);
            redis = { deployment, service };
        }

        // ---- Database and secrets ----------------------------------------------------------------
        const database = args.database?.createDatabase(`${name}-${color}-db`, { databaseName: `${s.app.replace(/-/g, "_")}_${color}`, parent: this });
        const secretData: Record<string, pulumi.Input<string>> = { ...(args.secretEnv ?? {}) };
        if (database) {
            Object.assign(secretData, {
                PGHOST: database.host,
                PGPORT: database.port.apply(String),
                PGDATABASE: database.database,
                PGUSER: database.user,
                PGPASSWORD: database.password,
                DATABASE_URL: pulumi.interpolate`postgresql://${database.user}:${database.password.apply(encodeURIComponent)}@${database.host}:${database.port}/${database.database}?sslmode=require`,
            });
        }
        const secretKeys = Object.keys(secretData);
        let secret: k8s.core.v1.Secret | undefined;
        if (secretKeys.length > 0) {
            secret = new k8s.core.v1.Secret(`${name}-${color}-env`, {
                metadata: meta("-env", appLabels({ name: s.app, instance: objectName, component: s.component, residency, extra: { color } })),
                type: "Opaque",
                stringData: pulumi.secret(secretData),
            }, parent);
        }

        // ---- The application -------------------------------------------------------------------
        const env: k8s.types.input.core.v1.EnvVar[] = [
            { name: "ENVIRONMENT", value: color },
            { name: "PORT", value: String(s.port) },
            ...(redis ? [{ name: "REDIS_URL", value: `redis://${objectName}-redis:${REDIS_PORT}` }] : []),
            ...Object.entries(s.env).map(([key, value]) => ({ name: key, value })),
            ...secretKeys.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secret!.metadata.name, key } } })),
        ];
        const scratch = writableScratch(s.writablePaths);
        const deployment = new k8s.apps.v1.Deployment(`${name}-${color}`, {
            metadata: meta("", podLabels),
            spec: {
                replicas,
                revisionHistoryLimit: 5,
                selector: { matchLabels: selector },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: `${ROLLING_SURGE * 100}%` } },
                template: {
                    metadata: { labels: podLabels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(s.runAsUser),
                        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
                        containers: [{
                            name: s.app,
                            image: `${s.image}:${version}`,
                            ports: [{ name: "http", containerPort: s.port, protocol: "TCP" }],
                            env,
                            resources: {
                                requests: { cpu: s.resources.cpuRequest, memory: s.resources.memoryRequest },
                                limits: { cpu: s.resources.cpuLimit, memory: s.resources.memoryLimit },
                            },
                            livenessProbe: { httpGet: { path: "/health/live", port: "http" }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
                            readinessProbe: { httpGet: { path: "/health/ready", port: "http" }, initialDelaySeconds: 10, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
                            securityContext: restrictedContainerSecurityContext(s.runAsUser),
                            volumeMounts: scratch.mounts,
                        }],
                        volumes: scratch.volumes,
                    },
                },
            },
        }, { ...parent, dependsOn: [...(redis ? [redis.service] : [])] });

        const service = new k8s.core.v1.Service(`${name}-${color}`, {
            metadata: meta("", appLabels({ name: s.app, instance: objectName, component: s.component, extra: { color } })),
            spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
        }, parent);

        // HPA cannot scale up from zero and would fight a parked colour: only for running colours.
        const hpa = replicas === 0 ? undefined : new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-${color}`, {
            metadata: meta("", appLabels({ name: s.app, instance: objectName, component: s.component, extra: { color } })),
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
                minReplicas: s.autoscaling.minReplicas,
                maxReplicas: s.autoscaling.maxReplicas,
                metrics: [
                    { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: s.autoscaling.cpuUtilization } } },
                    { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: s.autoscaling.memoryUtilization } } },
                ],
            },
        }, parent);

        const pdb = new k8s.policy.v1.PodDisruptionBudget(`${name}-${color}`, {
            metadata: meta("", appLabels({ name: s.app, instance: objectName, component: s.component, extra: { color } })),
            spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        }, parent);

        return { version, deployment, service, hpa, pdb, redis, database, secret };
    }
}
