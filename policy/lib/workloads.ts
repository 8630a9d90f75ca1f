/**
 * Containers of a resource, Kubernetes workloads and Docker containers side by side, in one
 * shape the container policies read: image, environment, who it runs as, its limits.
 */
import { Props, REDACTED_SECRET, asArray, asString, isRecord } from "./props";

export interface EnvVar {
    name: string;
    /** Literal value; undefined when taken from a Secret/ConfigMap reference. */
    value?: string;
    /** True when the value comes from a reference (`valueFrom`), not the manifest. */
    fromReference: boolean;
}

export interface ContainerView {
    /** For messages: `containers[0] (app)` or the Docker container name. */
    label: string;
    image?: string;
    env: EnvVar[];
    /** true/false when stated; undefined when the manifest does not say. */
    runsAsNonRoot?: boolean;
    hasCpuLimit: boolean;
    hasMemoryLimit: boolean;
}

/** Where the pod spec sits in each Kubernetes workload kind. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

export const DOCKER_CONTAINER = "docker:index/container:Container";

export function hasContainers(type: string): boolean {
    return type in POD_SPEC_PATHS || type === DOCKER_CONTAINER;
}

export function containersOf(type: string, props: Props): ContainerView[] {
    if (type === DOCKER_CONTAINER) return [dockerContainer(props)];
    const path = POD_SPEC_PATHS[type];
    if (path === undefined) return [];
    let spec: unknown = props;
    for (const key of path) spec = isRecord(spec) ? spec[key] : undefined;
    return isRecord(spec) ? kubernetesContainers(spec) : [];
}

function kubernetesContainers(podSpec: Props): ContainerView[] {
    const podNonRoot = nonRootOf(podSpec.securityContext);
    const views: ContainerView[] = [];
    for (const list of ["initContainers", "containers"] as const) {
        asArray(podSpec[list]).forEach((c: Props, i) => {
            const limits = isRecord(c.resources) && isRecord(c.resources.limits) ? c.resources.limits : {};
            views.push({
                label: `${list}[${i}]${c.name ? ` (${c.name})` : ""}`,
                image: asString(c.image),
                env: envList(c.env, "env", (e, i) =>
                    isRecord(e)
                        ? { name: String(e.name), value: typeof e.value === "string" ? e.value : undefined, fromReference: e.valueFrom !== undefined }
                        : { name: `env[${i}]`, value: String(e), fromReference: false },
                ),
                runsAsNonRoot: nonRootOf(c.securityContext) ?? podNonRoot,
                hasCpuLimit: limits.cpu !== undefined,
                hasMemoryLimit: limits.memory !== undefined,
            });
        });
    }
    return views;
}

/**
 * An env list, where a whole list (or a whole `NAME=value` entry) marked secret offline stays
 * visible as one variable holding the marker instead of vanishing.
 */
function envList(list: unknown, key: string, toVar: (entry: unknown, index: number) => EnvVar): EnvVar[] {
    if (list === REDACTED_SECRET) return [{ name: key, value: REDACTED_SECRET, fromReference: false }];
    return asArray(list).map((entry, i) => (entry === REDACTED_SECRET ? { name: `${key}[${i}]`, value: REDACTED_SECRET, fromReference: false } : toVar(entry, i)));
}

/** runAsNonRoot, or a non-zero runAsUser, from a (pod or container) security context. */
function nonRootOf(context: unknown): boolean | undefined {
    if (!isRecord(context)) return undefined;
    if (context.runAsNonRoot === true) return true;
    if (typeof context.runAsUser === "number") return context.runAsUser !== 0;
    return context.runAsNonRoot === false ? false : undefined;
}

function dockerContainer(props: Props): ContainerView {
    const user = asString(props.user);
    return {
        label: `container ${asString(props.name) ?? "(unnamed)"}`,
        image: asString(props.image),
        env: envList(props.envs, "envs", (entry, i) => {
            const text = String(entry);
            const eq = text.indexOf("=");
            return eq < 0 ? { name: `envs[${i}]`, value: text, fromReference: false } : { name: text.slice(0, eq), value: text.slice(eq + 1), fromReference: false };
        }),
        runsAsNonRoot: user === undefined ? undefined : !/^(root|0)(:|$)/.test(user),
        hasCpuLimit: props.cpus !== undefined || props.cpuQuota !== undefined || props.cpuShares !== undefined,
        hasMemoryLimit: props.memory !== undefined,
    };
}
