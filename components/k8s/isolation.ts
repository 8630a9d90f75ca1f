/**
 * TenantIsolation: fences one Kubernetes namespace. It creates
 *
 * - a default-deny NetworkPolicy (every pod, Ingress and Egress, no rule), so anything not
 *   allowed below is dropped by the CNI;
 * - one NetworkPolicy per explicit allow (`ingress`, `egress`), plus DNS to kube-system and, if
 *   asked, traffic between the namespace's own pods;
 * - a ResourceQuota when `quota` is given, with a LimitRange giving every container default
 *   requests/limits (a quota on requests refuses pods without them).
 *
 * The Pod Security admission labels belong to the Namespace object itself (created by whoever
 * owns it): {@link podSecurityLabels} gives them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ValidationError } from "../shared/errors";
import { assertDns1123Label } from "./names";
import { assertCpuQuantity, assertIpv4Cidr, assertMemoryQuantity, formatCpu, formatMemory } from "./quantities";
import { DEFAULT_DENY_POLICY } from "./tenancy";

export { DEFAULT_DENY_POLICY, POD_SECURITY_EXCEPTION_ANNOTATION, PodSecurityLevel, TENANT_LABEL, podSecurityLabels } from "./tenancy";

/** One end of an allowed connection: pods (of a namespace) or an address range outside the cluster. */
export interface NetworkPeer {
    /** Namespace of the pods, by name (matched on `kubernetes.io/metadata.name`). Default: the isolated namespace. */
    namespace?: string;
    /** Pods of every namespace (each namespace's own policies still decide what it accepts); excludes `namespace`. Default false. */
    anyNamespace?: boolean;
    /** Labels of the pods. Default every pod of `namespace`. */
    podLabels?: Record<string, string>;
    /** IPv4 CIDR outside the cluster, e.g. "0.0.0.0/0" (excludes namespace and podLabels). Default none. */
    cidr?: string;
}

/** One explicit allow. */
export interface NetworkAllow {
    /** Short name; the NetworkPolicy is `allow-<name>` (DNS-1123 label, at most 57 characters). Required. */
    name: string;
    /** Who may connect (ingress) or be connected to (egress). Required; at least one. */
    peers: NetworkPeer[];
    /** TCP ports (a number) or `{ port, protocol }`. Default every port. */
    ports?: Array<number | { port: number; protocol: "TCP" | "UDP" }>;
    /** Labels of the namespace's pods the rule is for. Default every pod. */
    podLabels?: Record<string, string>;
}

/** Hard limits of the namespace's ResourceQuota; every field required when a quota is given. */
export interface NamespaceQuota {
    /** Sum of CPU requests, e.g. "16". */
    cpuRequests: string;
    /** Sum of memory requests, e.g. "32Gi". */
    memoryRequests: string;
    /** Sum of CPU limits, e.g. "64". */
    cpuLimits: string;
    /** Sum of memory limits, e.g. "64Gi". */
    memoryLimits: string;
    /** Number of pods. */
    pods: number;
}

/** What a workload may ask of a namespace at its peak, in base units (summed into a quota by {@link quotaFor}). */
export interface ResourceFootprint {
    cpuRequestMillicores: number;
    memoryRequestBytes: number;
    cpuLimitMillicores: number;
    memoryLimitBytes: number;
    pods: number;
}

/**
 * The quota that admits every footprint at once, times `headroom` (room for a debug pod, a Job,
 * a hand-run migration). Quotas follow the config: raise maxReplicas and the quota rises with it.
 */
export function quotaFor(footprints: ResourceFootprint[], headroom = 1.2): NamespaceQuota {
    if (typeof headroom !== "number" || !(headroom >= 1)) throw new ValidationError("headroom", `must be a number >= 1, got ${JSON.stringify(headroom)}`);
    const sum = (key: keyof ResourceFootprint) => footprints.reduce((total, f) => total + f[key], 0) * headroom;
    return {
        cpuRequests: formatCpu(sum("cpuRequestMillicores")),
        memoryRequests: formatMemory(sum("memoryRequestBytes")),
        cpuLimits: formatCpu(sum("cpuLimitMillicores")),
        memoryLimits: formatMemory(sum("memoryLimitBytes")),
        pods: Math.max(1, Math.ceil(sum("pods"))),
    };
}

/** Defaults the LimitRange gives a container that sets none. */
export interface ContainerDefaults {
    /** Default "100m". */
    cpuRequest?: string;
    /** Default "128Mi". */
    memoryRequest?: string;
    /** Default "500m". */
    cpuLimit?: string;
    /** Default "512Mi". */
    memoryLimit?: string;
}

export interface TenantIsolationArgs {
    /** The namespace to fence (it must exist; pass the Namespace in `dependsOn`). Required. */
    namespace: string;
    /** Allowed inbound connections. Default none. */
    ingress?: NetworkAllow[];
    /** Allowed outbound connections. Default none. */
    egress?: NetworkAllow[];
    /** Allow DNS (53/UDP and TCP) to kube-system: without it no name resolves under default-deny egress. Default true. */
    allowDns?: boolean;
    /** Allow every connection between the namespace's own pods. Default false. */
    allowWithinNamespace?: boolean;
    /** ResourceQuota hard limits. Default none (no quota). */
    quota?: NamespaceQuota;
    /** LimitRange defaults per container (see {@link ContainerDefaults}). Default: a LimitRange with those defaults when `quota` is set (a quota refuses pods without requests), none otherwise. */
    containerDefaults?: ContainerDefaults;
}

type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type NetworkPolicyPort = k8s.types.input.networking.v1.NetworkPolicyPort;

interface ResolvedAllow { name: string; peers: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[]; podSelector: { matchLabels?: Record<string, string> } }

const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
/** Allow policies are named `allow-<name>`: a DNS-1123 label of at most 63 characters. */
const MAX_ALLOW_NAME = 57;

function assertLabels(field: string, labels: unknown): Record<string, string> {
    if (labels === null || typeof labels !== "object" || Array.isArray(labels)) throw new ValidationError(field, "must be a map of label names to values");
    for (const [key, value] of Object.entries(labels)) {
        if (typeof value !== "string") throw new ValidationError(`${field}.${key}`, `must be a string, got ${JSON.stringify(value)}`);
    }
    return labels as Record<string, string>;
}

function resolvePeer(field: string, peer: NetworkPeer, namespace: string): NetworkPolicyPeer {
    if (peer === null || typeof peer !== "object") throw new ValidationError(field, "must be an object with namespace, podLabels or cidr");
    if (peer.anyNamespace !== undefined && typeof peer.anyNamespace !== "boolean") throw new ValidationError(`${field}.anyNamespace`, `must be true or false, got ${JSON.stringify(peer.anyNamespace)}`);
    if (peer.cidr !== undefined) {
        if (peer.namespace !== undefined || peer.podLabels !== undefined || peer.anyNamespace) throw new ValidationError(field, "cidr excludes namespace, anyNamespace and podLabels (an address range is outside the cluster)");
        return { ipBlock: { cidr: assertIpv4Cidr(`${field}.cidr`, peer.cidr) } };
    }
    if (peer.anyNamespace && peer.namespace !== undefined) throw new ValidationError(field, "anyNamespace excludes namespace");
    if (peer.namespace === undefined && peer.podLabels === undefined && !peer.anyNamespace) throw new ValidationError(field, "needs namespace, anyNamespace, podLabels or cidr");
    const podSelector = peer.podLabels === undefined ? undefined : { matchLabels: assertLabels(`${field}.podLabels`, peer.podLabels) };
    const namespaceSelector = peer.anyNamespace ? {} : { matchLabels: { [NAMESPACE_NAME_LABEL]: peer.namespace === undefined ? namespace : assertDns1123Label(`${field}.namespace`, peer.namespace) } };
    return { namespaceSelector, ...(podSelector ? { podSelector } : {}) };
}

function resolvePorts(field: string, ports: NetworkAllow["ports"]): NetworkPolicyPort[] | undefined {
    if (ports === undefined) return undefined;
    if (!Array.isArray(ports) || ports.length === 0) throw new ValidationError(field, "must be a non-empty list of ports (omit it for every port)");
    return ports.map((entry, i) => {
        const { port, protocol } = typeof entry === "number" ? { port: entry, protocol: "TCP" as const } : entry;
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ValidationError(`${field}[${i}]`, `port must be an integer from 1 to 65535, got ${JSON.stringify(port)}`);
        if (protocol !== "TCP" && protocol !== "UDP") throw new ValidationError(`${field}[${i}].protocol`, `must be "TCP" or "UDP", got ${JSON.stringify(protocol)}`);
        return { port, protocol };
    });
}

function resolveAllows(direction: "ingress" | "egress", allows: NetworkAllow[] | undefined, namespace: string, names: Set<string>): ResolvedAllow[] {
    if (allows === undefined) return [];
    if (!Array.isArray(allows)) throw new ValidationError(direction, "must be a list of allows");
    return allows.map((allow, i) => {
        const at = `${direction}[${i}]`;
        const name = assertDns1123Label(`${at}.name`, allow?.name, MAX_ALLOW_NAME);
        if (names.has(name)) throw new ValidationError(`${at}.name`, `"${name}" is used by another allow; names must be unique`);
        names.add(name);
        if (!Array.isArray(allow.peers) || allow.peers.length === 0) throw new ValidationError(`${at}.peers`, "at least one peer is required (use { cidr: \"0.0.0.0/0\" } for anywhere)");
        return {
            name,
            peers: allow.peers.map((peer, j) => resolvePeer(`${at}.peers[${j}]`, peer, namespace)),
            ports: resolvePorts(`${at}.ports`, allow.ports),
            podSelector: allow.podLabels === undefined ? {} : { matchLabels: assertLabels(`${at}.podLabels`, allow.podLabels) },
        };
    });
}

/** Validated args with defaults; throws a ValidationError naming the field. */
export function resolveTenantIsolationArgs(args: TenantIsolationArgs) {
    if (args === null || typeof args !== "object") throw new ValidationError("args", "TenantIsolation needs an args object");
    const namespace = assertDns1123Label("namespace", args.namespace);
    const names = new Set<string>(["dns", "within-namespace"]);
    const ingress = resolveAllows("ingress", args.ingress, namespace, names);
    const egress = resolveAllows("egress", args.egress, namespace, names);
    const d = args.containerDefaults ?? {};
    const containerDefaults = args.containerDefaults === undefined && args.quota === undefined ? undefined : {
        cpuRequest: assertCpuQuantity("containerDefaults.cpuRequest", d.cpuRequest ?? "100m"),
        memoryRequest: assertMemoryQuantity("containerDefaults.memoryRequest", d.memoryRequest ?? "128Mi"),
        cpuLimit: assertCpuQuantity("containerDefaults.cpuLimit", d.cpuLimit ?? "500m", "500m"),
        memoryLimit: assertMemoryQuantity("containerDefaults.memoryLimit", d.memoryLimit ?? "512Mi", "512Mi"),
    };
    let quota: NamespaceQuota | undefined;
    if (args.quota !== undefined) {
        const q = args.quota;
        if (q === null || typeof q !== "object") throw new ValidationError("quota", "must be an object with cpuRequests, memoryRequests, cpuLimits, memoryLimits and pods");
        if (!Number.isInteger(q.pods) || q.pods < 1) throw new ValidationError("quota.pods", `must be a positive integer, got ${JSON.stringify(q.pods)}`);
        quota = {
            cpuRequests: assertCpuQuantity("quota.cpuRequests", q.cpuRequests, "16"),
            memoryRequests: assertMemoryQuantity("quota.memoryRequests", q.memoryRequests, "32Gi"),
            cpuLimits: assertCpuQuantity("quota.cpuLimits", q.cpuLimits, "64"),
            memoryLimits: assertMemoryQuantity("quota.memoryLimits", q.memoryLimits, "64Gi"),
            pods: q.pods,
        };
    }
    return { namespace, ingress, egress, allowDns: args.allowDns ?? true, allowWithinNamespace: args.allowWithinNamespace ?? false, quota, containerDefaults };
}

export class TenantIsolation extends pulumi.ComponentResource {
    /** Every NetworkPolicy created, default-deny first. */
    public readonly networkPolicies: k8s.networking.v1.NetworkPolicy[] = [];
    /** Absent without `quota` and `containerDefaults`. */
    public readonly limitRange?: k8s.core.v1.LimitRange;
    /** Absent without `quota`. */
    public readonly quota?: k8s.core.v1.ResourceQuota;

    constructor(name: string, args: TenantIsolationArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before super(): a bad input registers nothing.
        if (typeof name !== "string" || name === "") throw new ValidationError("name", "TenantIsolation needs a non-empty resource name");
        const s = resolveTenantIsolationArgs(args);
        super("agogsaas:k8s:TenantIsolation", name, {}, opts);
        const labels = { "app.kubernetes.io/part-of": "agogsaas", "app.kubernetes.io/managed-by": "pulumi" };
        // Object names need no prefix: they are scoped by the namespace, which this component fences alone.
        const meta = (objectName: string) => ({ name: objectName, namespace: s.namespace, labels });
        const policy = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) => {
            const objectName = suffix === DEFAULT_DENY_POLICY ? suffix : `allow-${suffix}`;
            const created = new k8s.networking.v1.NetworkPolicy(`${name}-${objectName}`, { metadata: meta(objectName), spec }, { parent: this });
            this.networkPolicies.push(created);
        };

        policy(DEFAULT_DENY_POLICY, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        if (s.allowDns) {
            policy("dns", {
                podSelector: {}, policyTypes: ["Egress"],
                egress: [{
                    to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }],
                }],
            });
        }
        if (s.allowWithinNamespace) {
            const own = [{ podSelector: {} }];
            policy("within-namespace", { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ from: own }], egress: [{ to: own }] });
        }
        for (const allow of s.ingress) policy(allow.name, { podSelector: allow.podSelector, policyTypes: ["Ingress"], ingress: [{ from: allow.peers, ...(allow.ports ? { ports: allow.ports } : {}) }] });
        for (const allow of s.egress) policy(allow.name, { podSelector: allow.podSelector, policyTypes: ["Egress"], egress: [{ to: allow.peers, ...(allow.ports ? { ports: allow.ports } : {}) }] });

        const d = s.containerDefaults;
        if (d) {
            this.limitRange = new k8s.core.v1.LimitRange(`${name}-limits`, {
                metadata: meta("container-defaults"),
                spec: { limits: [{ type: "Container", defaultRequest: { cpu: d.cpuRequest, memory: d.memoryRequest }, default: { cpu: d.cpuLimit, memory: d.memoryLimit } }] },
            }, { parent: this });
        }
        if (s.quota) {
            const q = s.quota;
            this.quota = new k8s.core.v1.ResourceQuota(`${name}-quota`, {
                metadata: meta("tenant-quota"),
                spec: { hard: { "requests.cpu": q.cpuRequests, "requests.memory": q.memoryRequests, "limits.cpu": q.cpuLimits, "limits.memory": q.memoryLimits, pods: String(q.pods) } },
            }, { parent: this });
        }
        this.registerOutputs({ namespace: s.namespace, networkPolicies: this.networkPolicies.length, quota: s.quota !== undefined });
    }
}
