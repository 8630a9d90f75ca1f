/**
 * BlueGreenPair's arguments, their defaults and their validation (pure: no resources), so stacks can check config before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { ValidationError, oneOf } from "../shared/errors";
import { assertIntegerInRange } from "../shared/checks";
import { assertZone, DataClassification, DATA_CLASSIFICATIONS, Zone } from "../shared/sovereignty";
import { assertDns1123Label, assertDns1123Subdomain } from "../k8s/names";
import { assertCpuQuantity, assertMemoryQuantity } from "../k8s/quantities";
import type { DatabaseProvisioner } from "../regional-cluster/args";

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
export const REDIS_UID = 999;
export const REDIS_PORT = 6379;

/** Environment names the component sets itself; user env may not shadow them. */
const RESERVED_ENV = ["ENVIRONMENT", "PORT", "REDIS_URL", "DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"];
/** Names that look like secrets must go through secretEnv, never a plain env value. */
const SECRET_LOOKING = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_?KEY|API_?KEY|CREDENTIAL)/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export interface ResolvedColor {
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
    const port = assertIntegerInRange("port", args.port ?? 4001, 1, 65535);

    const scaling = args.autoscaling ?? {};
    const minReplicas = assertIntegerInRange("autoscaling.minReplicas", scaling.minReplicas ?? 3, 1, 1000);
    const autoscaling: Required<AutoscalingSpec> = {
        minReplicas,
        maxReplicas: assertIntegerInRange("autoscaling.maxReplicas", scaling.maxReplicas ?? 20, minReplicas, 1000),
        cpuUtilization: assertIntegerInRange("autoscaling.cpuUtilization", scaling.cpuUtilization ?? 70, 1, 100),
        memoryUtilization: assertIntegerInRange("autoscaling.memoryUtilization", scaling.memoryUtilization ?? 80, 1, 100),
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
            replicas: assertIntegerInRange(`colors.${color}.replicas`, spec.replicas ?? minReplicas, 0, autoscaling.maxReplicas),
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
        runAsUser: assertIntegerInRange("runAsUser", args.runAsUser ?? 10001, 1, 2147483647), classification,
    };
}
