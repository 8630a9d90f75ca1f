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
import { ValidationError, oneOf } from "./errors";
import { assertZone, DataClassification, DATA_CLASSIFICATIONS, Zone } from "./sovereignty";
import { assertDns1123Label, assertDns1123Subdomain } from "./k8s/names";
import { appLabels } from "./k8s/labels";
import { assertCpuQuantity, assertMemoryQuantity } from "./k8s/quantities";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, writableScratch } from "./k8s/security";
import type { DatabaseConnection, DatabaseProvisioner } from "./regional/types";
import type { PrometheusRuleGroup } from "./regional/addons";
import { BlueGreenAlertThresholds, blueGreenAlertRules } from "./bluegreen/alerts";
import { CACHE_RESOURCES, ROLLING_SURGE, blueGreenFootprint } from "./bluegreen/footprint";
import type { ResourceFootprint } from "./k8s/isolation";

export type Color = "blue" | "green";
export const COLORS: readonly Color[] = ["blue", "green"];

export function otherColor(color: Color): Color {
    return color === "blue" ? "green" : "blue";
}

/** What runs in one colour. */
export interface ColorSpec {
    /** Image tag deployed in this colour; omit to leave the colour empty (nothing deployed). Default none. */
    version?: string;
    /** Replicas at creation, the HPA takes over from there; 0 parks the colour (no HPA). Default autoscaling.minReplicas. */
    replicas?: number;
}

export interface ContainerResources {
    /** CPU request. Default "250m". */
    cpuRequest?: string;
    /** Memory request. Default "256Mi". */
    memoryRequest?: string;
    /** CPU limit. Default "1". */
    cpuLimit?: string;
    /** Memory limit. Default "512Mi". */
    memoryLimit?: string;
}

export interface AutoscalingSpec {
    /** HPA lower bound. Default 3. */
    minReplicas?: number;
    /** HPA upper bound. Default 20. */
    maxReplicas?: number;
    /** Target average CPU utilisation, percent of the request. Default 70. */
    cpuUtilization?: number;
    /** Target average memory utilisation, percent of the request. Default 80. */
    memoryUtilization?: number;
}

export interface IngressSpec {
    /** Public host name routed to the active colour. Required. */
    host: string;
    /** IngressClass. Default "nginx" (installed by RegionalCluster). */
    className?: string;
    /** Secret holding the TLS certificate for `host`; omit for plain HTTP. Default none. */
    tlsSecretName?: string;
}

export interface BlueGreenPairArgs {
    /** Sovereignty zone of the region (residency labels on data-bearing objects). Required. */
    zone: Zone;
    /** Container image without tag, e.g. "ghcr.io/agogsaas/backend". Required. */
    image: string;
    /** The two colours; at least the active one needs a version. Required. */
    colors: { blue?: ColorSpec; green?: ColorSpec };
    /** The colour that receives traffic through the `active` Service and the Ingress. Required. */
    activeColor: Color;
    /** Application name used for Kubernetes object names and labels (DNS-1123, at most 40 characters). Default: the component name. */
    app?: string;
    /** Namespace for every object (must exist). Default "default". */
    namespace?: string;
    /** `app.kubernetes.io/component` label. Default "server". */
    component?: string;
    /** Port the container listens on (probes go there too). Default 4001. */
    port?: number;
    /** Container resources. Default: see {@link ContainerResources}. */
    resources?: ContainerResources;
    /** Horizontal autoscaling per colour. Default: see {@link AutoscalingSpec}. */
    autoscaling?: AutoscalingSpec;
    /** Creates each colour's own database ("<app>_<color>") on the regional server, e.g. a RegionalCluster. Default none (stateless app). */
    database?: DatabaseProvisioner;
    /** Give each colour its own Redis (Deployment + Service, cache only). Default true. */
    redis?: boolean;
    /** Plain, non-secret environment variables. Default none. */
    env?: Record<string, string>;
    /** Secret environment variables: stored in a Kubernetes Secret, read with secretKeyRef. Default none. */
    secretEnv?: Record<string, pulumi.Input<string>>;
    /** Ingress to the active colour. Default none. */
    ingress?: IngressSpec;
    /** Paths the container may write (emptyDir; the root filesystem is read-only). Default ["/tmp"]. */
    writablePaths?: string[];
    /** UID (and GID) the container runs as. Default 10001. */
    runAsUser?: number;
    /** The most sensitive data the app handles (residency labels). Default "personal" with a database, else "operational". */
    dataClassification?: DataClassification;
}

/** Redis image for the per-colour caches, pinned. */
export const REDIS_IMAGE = "redis:7.4.2-alpine";
/** UID of the redis user in the official image. */
const REDIS_UID = 999;
const REDIS_PORT = 6379;

/** Environment names the component sets itself; user env may not shadow them. */
const RESERVED_ENV = ["ENVIRONMENT", "PORT", "REDIS_URL", "DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"];
/** Names that look like secrets must go through secretEnv, never a plain env value. */
const SECRET_LOOKING = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_?KEY|API_?KEY|CREDENTIAL)/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

interface ResolvedColor {
    color: Color;
    version: string;
    replicas: number;
}

/** Args after validation, defaults filled. */
export interface ResolvedBlueGreenArgs {
    app: string;
    zone: Zone;
    image: string;
    namespace: string;
    component: string;
    port: number;
    activeColor: Color;
    colors: ResolvedColor[];
    resources: Required<ContainerResources>;
    autoscaling: Required<AutoscalingSpec>;
    redis: boolean;
    env: Record<string, string>;
    secretEnvKeys: string[];
    ingress?: Required<Omit<IngressSpec, "tlsSecretName">> & { tlsSecretName?: string };
    writablePaths: string[];
    runAsUser: number;
    classification: DataClassification;
}

function assertInteger(field: string, value: unknown, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new ValidationError(field, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return value;
}

/**
 * Validates BlueGreenPair args and fills defaults. Pure: throws a ValidationError naming the field,
 * so stacks can call it while loading config, before any resource exists.
 */
export function resolveBlueGreenArgs(name: string, args: BlueGreenPairArgs): ResolvedBlueGreenArgs {
    if (args === null || typeof args !== "object") throw new ValidationError("args", "BlueGreenPair needs an args object");
    const app = assertDns1123Label("app", args.app ?? name, 40);
    const zone = assertZone("zone", args.zone);
    if (typeof args.image !== "string" || !/^[a-z0-9][a-z0-9._\-/:]*[a-z0-9]$/.test(args.image) || /:[^/]*$/.test(args.image.replace(/^[^/]*:\d+\//, ""))) {
        throw new ValidationError("image", `${JSON.stringify(args.image)} is not an image repository without tag`, `e.g. "ghcr.io/agogsaas/backend" (the tag comes from colors.<color>.version)`);
    }
    const namespace = assertDns1123Label("namespace", args.namespace ?? "default");
    const component = assertDns1123Label("component", args.component ?? "server");
    const port = assertInteger("port", args.port ?? 4001, 1, 65535);

    const scaling = args.autoscaling ?? {};
    const minReplicas = assertInteger("autoscaling.minReplicas", scaling.minReplicas ?? 3, 1, 1000);
    const autoscaling: Required<AutoscalingSpec> = {
        minReplicas,
        maxReplicas: assertInteger("autoscaling.maxReplicas", scaling.maxReplicas ?? 20, minReplicas, 1000),
        cpuUtilization: assertInteger("autoscaling.cpuUtilization", scaling.cpuUtilization ?? 70, 1, 100),
        memoryUtilization: assertInteger("autoscaling.memoryUtilization", scaling.memoryUtilization ?? 80, 1, 100),
    };

    if (!(COLORS as readonly unknown[]).includes(args.activeColor)) {
        throw new ValidationError("activeColor", `unknown colour ${JSON.stringify(args.activeColor)}`, oneOf(COLORS));
    }
    const activeColor = args.activeColor;
    const specs = args.colors ?? {};
    for (const key of Object.keys(specs)) {
        if (!(COLORS as readonly string[]).includes(key)) throw new ValidationError(`colors.${key}`, "unknown colour", oneOf(COLORS));
    }
    const colors: ResolvedColor[] = [];
    for (const color of COLORS) {
        const spec = specs[color];
        if (spec?.version === undefined || spec.version === "") continue;
        if (typeof spec.version !== "string" || !IMAGE_TAG.test(spec.version)) {
            throw new ValidationError(`colors.${color}.version`, `${JSON.stringify(spec.version)} is not an image tag`, `e.g. "1.4.2"`);
        }
        colors.push({
            color,
            version: spec.version,
            replicas: assertInteger(`colors.${color}.replicas`, spec.replicas ?? minReplicas, 0, autoscaling.maxReplicas),
        });
    }
    const active = colors.find((c) => c.color === activeColor);
    if (active === undefined) {
        throw new ValidationError(`colors.${activeColor}.version`, `activeColor is "${activeColor}" but ${activeColor} has no version to serve traffic; deploy a version to ${activeColor} first`);
    }
    if (active.replicas === 0) {
        throw new ValidationError(`colors.${activeColor}.replicas`, `activeColor is "${activeColor}" but ${activeColor} has 0 replicas; scale it up before switching`);
    }

    const r = args.resources ?? {};
    const resources: Required<ContainerResources> = {
        cpuRequest: assertCpuQuantity("resources.cpuRequest", r.cpuRequest ?? "250m"),
        memoryRequest: assertMemoryQuantity("resources.memoryRequest", r.memoryRequest ?? "256Mi"),
        cpuLimit: assertCpuQuantity("resources.cpuLimit", r.cpuLimit ?? "1", "1"),
        memoryLimit: assertMemoryQuantity("resources.memoryLimit", r.memoryLimit ?? "512Mi", "512Mi"),
    };

    const env = args.env ?? {};
    for (const [key, value] of Object.entries(env)) {
        if (!ENV_NAME.test(key)) throw new ValidationError(`env.${key}`, "is not a valid environment variable name");
        if (RESERVED_ENV.includes(key)) throw new ValidationError(`env.${key}`, "is set by BlueGreenPair itself", `any name except ${RESERVED_ENV.join(", ")}`);
        if (SECRET_LOOKING.test(key)) throw new ValidationError(`env.${key}`, "looks like a secret; plain env values are visible in the Deployment. Pass it in secretEnv");
        if (typeof value !== "string") throw new ValidationError(`env.${key}`, `must be a string, got ${JSON.stringify(value)}`);
    }
    const secretEnvKeys = Object.keys(args.secretEnv ?? {});
    for (const key of secretEnvKeys) {
        if (!ENV_NAME.test(key)) throw new ValidationError(`secretEnv.${key}`, "is not a valid environment variable name");
        if (RESERVED_ENV.includes(key) || key in env) throw new ValidationError(`secretEnv.${key}`, "is already set (by BlueGreenPair or env)");
    }

    let ingress: ResolvedBlueGreenArgs["ingress"];
    if (args.ingress !== undefined) {
        ingress = {
            host: assertDns1123Subdomain("ingress.host", args.ingress.host),
            className: assertDns1123Subdomain("ingress.className", args.ingress.className ?? "nginx"),
            tlsSecretName: args.ingress.tlsSecretName === undefined ? undefined : assertDns1123Subdomain("ingress.tlsSecretName", args.ingress.tlsSecretName),
        };
    }

    const writablePaths = args.writablePaths ?? ["/tmp"];
    writablePaths.forEach((path, i) => {
        if (typeof path !== "string" || !path.startsWith("/") || path === "/") throw new ValidationError(`writablePaths[${i}]`, `${JSON.stringify(path)} must be an absolute path below /`);
    });

    const classification = args.dataClassification ?? (args.database ? "personal" : "operational");
    if (!DATA_CLASSIFICATIONS.includes(classification)) {
        throw new ValidationError("dataClassification", `unknown classification ${JSON.stringify(classification)}`, oneOf(DATA_CLASSIFICATIONS));
    }
    if (args.redis !== undefined && typeof args.redis !== "boolean") throw new ValidationError("redis", `must be true or false, got ${JSON.stringify(args.redis)}`);

    return {
        app, zone, image: args.image, namespace, component, port, activeColor, colors, resources, autoscaling,
        redis: args.redis ?? true, env, secretEnvKeys, ingress, writablePaths,
        runAsUser: assertInteger("runAsUser", args.runAsUser ?? 10001, 1, 2147483647), classification,
    };
}

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
