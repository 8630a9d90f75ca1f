/**
 * TenantIsolation (mock runtime): the NetworkPolicies, LimitRange and ResourceQuota it renders,
 * their validity against the Kubernetes schemas, the quota arithmetic, and the refusal of bad
 * args before anything is registered.
 */
import * as assert from "assert";
import { synthesize, SynthError, SynthResource, SynthResult } from "../tools/synth/mock-runtime";
import { TenantIsolation, TenantIsolationArgs, quotaFor, ResourceFootprint } from "../components/k8s/isolation";
import { isDefaultDeny, podSecurityLabels } from "../components/k8s/tenancy";
import { cpuMillicores, formatCpu, formatMemory, memoryBytes } from "../components/k8s/quantities";
import { blueGreenFootprint } from "../components/blue-green-pair/internal/footprint";
import { resolveBlueGreenArgs } from "../components/blue-green-pair/blue-green-pair";
import { addonIsolation, ADDON_NAMESPACES } from "../components/regional-cluster/internal/addons";
import { formatSchemaErrors, validateKubernetesResources } from "./support/k8s-schema";

const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

async function synthIsolation(args: TenantIsolationArgs): Promise<SynthResult> {
    return synthesize({ project: "agogsaas", stack: "test", program: () => { new TenantIsolation("apps", args); } });
}

function policies(result: SynthResult): Map<string, SynthResource> {
    return new Map(result.resources.filter((r) => r.type === NP).map((r) => [(r.inputs.metadata as { name: string }).name, r]));
}

async function rejected(args: unknown): Promise<string> {
    try {
        await synthIsolation(args as TenantIsolationArgs);
    } catch (err) {
        assert.ok(err instanceof SynthError, String(err));
        assert.deepStrictEqual(err.partial.resources.map((r) => r.type), [], "nothing may be registered before validation fails");
        return err.message;
    }
    throw new Error("expected the args to be refused");
}

describe("TenantIsolation", () => {
    it("denies by default, allows DNS and exactly the listed connections", async () => {
        const result = await synthIsolation({
            namespace: "apps",
            ingress: [{ name: "from-ingress", peers: [{ namespace: "ingress-nginx" }], ports: [8080], podLabels: { "app.kubernetes.io/name": "web" } }],
            egress: [
                { name: "to-postgres", peers: [{ cidr: "10.40.192.0/20" }], ports: [5432] },
                { name: "to-cache", peers: [{ podLabels: { "app.kubernetes.io/name": "redis" } }], ports: [{ port: 6379, protocol: "TCP" }] },
                { name: "anywhere-in-cluster", peers: [{ anyNamespace: true }] },
            ],
        });
        const byName = policies(result);
        assert.deepStrictEqual([...byName.keys()].sort(), ["allow-anywhere-in-cluster", "allow-dns", "allow-from-ingress", "allow-to-cache", "allow-to-postgres", "default-deny"]);
        for (const r of byName.values()) assert.strictEqual((r.inputs.metadata as { namespace: string }).namespace, "apps");
        assert.ok(isDefaultDeny(byName.get("default-deny")!.inputs.spec));
        assert.ok(!isDefaultDeny(byName.get("allow-dns")!.inputs.spec));

        assert.deepStrictEqual(byName.get("allow-from-ingress")!.inputs.spec, {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "web" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }], ports: [{ port: 8080, protocol: "TCP" }] }],
        });
        const egressOf = (name: string) => (byName.get(name)!.inputs.spec as { egress: unknown[] }).egress;
        assert.deepStrictEqual(egressOf("allow-to-postgres"), [{ to: [{ ipBlock: { cidr: "10.40.192.0/20" } }], ports: [{ port: 5432, protocol: "TCP" }] }]);
        // A peer without namespace is the isolated namespace's own pods.
        assert.deepStrictEqual(egressOf("allow-to-cache"), [{
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "redis" } } }],
            ports: [{ port: 6379, protocol: "TCP" }],
        }]);
        assert.deepStrictEqual(egressOf("allow-anywhere-in-cluster"), [{ to: [{ namespaceSelector: {} }] }]);
        assert.deepStrictEqual(egressOf("allow-dns")[0], {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }],
        });
        // No quota asked: neither a quota nor container defaults (they would cap add-ons that set no limits).
        assert.ok(!result.resources.some((r) => /ResourceQuota|LimitRange/.test(r.type)));
        const report = validateKubernetesResources(result);
        assert.deepStrictEqual(report.errors, [], formatSchemaErrors(report));
        assert.strictEqual(report.checked.length, 6);
    });

    it("with a quota also sets container defaults; within-namespace and no DNS when asked", async () => {
        const result = await synthIsolation({
            namespace: "apps", allowDns: false, allowWithinNamespace: true,
            quota: { cpuRequests: "4", memoryRequests: "8Gi", cpuLimits: "8", memoryLimits: "16Gi", pods: 20 },
            containerDefaults: { cpuLimit: "1" },
        });
        assert.deepStrictEqual([...policies(result).keys()].sort(), ["allow-within-namespace", "default-deny"]);
        const quota = result.resources.find((r) => r.type === "kubernetes:core/v1:ResourceQuota")!;
        assert.deepStrictEqual(quota.inputs.spec, { hard: { "requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi", pods: "20" } });
        const limits = result.resources.find((r) => r.type === "kubernetes:core/v1:LimitRange")!;
        assert.deepStrictEqual(limits.inputs.spec, { limits: [{ type: "Container", defaultRequest: { cpu: "100m", memory: "128Mi" }, default: { cpu: "1", memory: "512Mi" } }] });
        const report = validateKubernetesResources(result);
        assert.deepStrictEqual(report.errors, [], formatSchemaErrors(report));
    });

    const bad: Array<[string, unknown, RegExp]> = [
        ["namespace", { namespace: "Apps" }, /namespace: /],
        ["allow name", { namespace: "apps", ingress: [{ name: "From_Ingress", peers: [{ namespace: "x" }] }] }, /ingress\[0\]\.name/],
        ["reserved allow name", { namespace: "apps", egress: [{ name: "dns", peers: [{ cidr: "0.0.0.0/0" }] }] }, /egress\[0\]\.name: "dns" is used by another allow/],
        ["duplicate allow name", { namespace: "apps", ingress: [{ name: "a", peers: [{ namespace: "x" }] }], egress: [{ name: "a", peers: [{ namespace: "y" }] }] }, /egress\[0\]\.name: "a" is used/],
        ["no peers", { namespace: "apps", ingress: [{ name: "a", peers: [] }] }, /ingress\[0\]\.peers: at least one peer/],
        ["empty peer", { namespace: "apps", ingress: [{ name: "a", peers: [{}] }] }, /ingress\[0\]\.peers\[0\]: needs namespace, anyNamespace, podLabels or cidr/],
        ["cidr with labels", { namespace: "apps", egress: [{ name: "a", peers: [{ cidr: "10.0.0.0/8", podLabels: { a: "b" } }] }] }, /egress\[0\]\.peers\[0\]: cidr excludes/],
        ["bad cidr", { namespace: "apps", egress: [{ name: "a", peers: [{ cidr: "10.0.0.0/33" }] }] }, /egress\[0\]\.peers\[0\]\.cidr: must be an IPv4 CIDR/],
        ["anyNamespace with namespace", { namespace: "apps", egress: [{ name: "a", peers: [{ anyNamespace: true, namespace: "x" }] }] }, /anyNamespace excludes namespace/],
        ["port out of range", { namespace: "apps", ingress: [{ name: "a", peers: [{ namespace: "x" }], ports: [70000] }] }, /ingress\[0\]\.ports\[0\]: port must be an integer from 1 to 65535/],
        ["bad protocol", { namespace: "apps", ingress: [{ name: "a", peers: [{ namespace: "x" }], ports: [{ port: 80, protocol: "SCTP" }] }] }, /ingress\[0\]\.ports\[0\]\.protocol: must be "TCP" or "UDP"/],
        ["empty ports", { namespace: "apps", ingress: [{ name: "a", peers: [{ namespace: "x" }], ports: [] }] }, /ingress\[0\]\.ports: must be a non-empty list/],
        ["label value", { namespace: "apps", ingress: [{ name: "a", peers: [{ podLabels: { app: 3 } }] }] }, /ingress\[0\]\.peers\[0\]\.podLabels\.app: must be a string/],
        ["quota quantity", { namespace: "apps", quota: { cpuRequests: "lots", memoryRequests: "1Gi", cpuLimits: "1", memoryLimits: "1Gi", pods: 1 } }, /quota\.cpuRequests: "lots" is not a Kubernetes quantity/],
        ["quota pods", { namespace: "apps", quota: { cpuRequests: "1", memoryRequests: "1Gi", cpuLimits: "1", memoryLimits: "1Gi", pods: 0 } }, /quota\.pods: must be a positive integer/],
        ["container default", { namespace: "apps", containerDefaults: { memoryLimit: "512MB" } }, /containerDefaults\.memoryLimit: "512MB" is not a Kubernetes quantity/],
    ];
    for (const [what, args, pattern] of bad) {
        it(`refuses bad input (${what}) before registering anything`, async () => {
            assert.match(await rejected(args), pattern);
        });
    }
});

describe("quotas from footprints", () => {
    it("parses and formats quantities", () => {
        assert.deepStrictEqual(["250m", "1", "1.5", "2"].map(cpuMillicores), [250, 1000, 1500, 2000]);
        assert.deepStrictEqual(["64Mi", "1Gi", "1G", "512"].map(memoryBytes), [64 * 2 ** 20, 2 ** 30, 1e9, 512]);
        assert.deepStrictEqual([2000, 2500, 0.2].map(formatCpu), ["2", "2500m", "1m"]);
        assert.deepStrictEqual([2 ** 30, 1.5 * 2 ** 20, 1].map(formatMemory), ["1Gi", "2Mi", "1Mi"]);
    });

    it("a pair's footprint is both colours at their HPA ceiling plus surge, and the caches", () => {
        const pair = resolveBlueGreenArgs("backend", {
            zone: "eu", image: "ghcr.io/agogsaas/backend", activeColor: "blue", namespace: "agogsaas",
            colors: { blue: { version: "1.0.0" }, green: { version: "1.1.0", replicas: 0 } },
            autoscaling: { minReplicas: 2, maxReplicas: 8 },
            resources: { cpuRequest: "250m", memoryRequest: "256Mi", cpuLimit: "1", memoryLimit: "512Mi" },
        });
        const f = blueGreenFootprint(pair);
        // blue: 8 + ceil(8 × 0.25) = 10 pods; green parked: 0; a cache per colour: 1 + 1 surge each.
        assert.deepStrictEqual(f, {
            pods: 14,
            cpuRequestMillicores: 10 * 250 + 4 * 50,
            memoryRequestBytes: 10 * 256 * 2 ** 20 + 4 * 64 * 2 ** 20,
            cpuLimitMillicores: 10 * 1000 + 4 * 500,
            memoryLimitBytes: 10 * 512 * 2 ** 20 + 4 * 256 * 2 ** 20,
        });
        const both = blueGreenFootprint({ ...pair, colors: pair.colors.map((c) => ({ ...c, replicas: 2 })) });
        assert.strictEqual(both.pods, 24, "unparking green doubles the app pods");
    });

    it("sums footprints with headroom and refuses a headroom below 1", () => {
        const f: ResourceFootprint = { cpuRequestMillicores: 1000, memoryRequestBytes: 2 ** 30, cpuLimitMillicores: 4000, memoryLimitBytes: 2 * 2 ** 30, pods: 10 };
        assert.deepStrictEqual(quotaFor([f, f], 1.5), { cpuRequests: "3", memoryRequests: "3Gi", cpuLimits: "12", memoryLimits: "6Gi", pods: 30 });
        assert.deepStrictEqual(quotaFor([f]), { cpuRequests: "1200m", memoryRequests: "1229Mi", cpuLimits: "4800m", memoryLimits: "2458Mi", pods: 12 });
        assert.throws(() => quotaFor([f], 0.5), /headroom: must be a number >= 1/);
    });
});

describe("add-on namespace fences", () => {
    const settings = { addonClientNamespaces: ["agogsaas"], databaseCidrs: ["10.40.192.0/20"], addons: { nats: true, redis: true, ingressNginx: true, monitoring: true } };

    it("NATS and Redis take clients only from the client namespaces", () => {
        assert.deepStrictEqual(addonIsolation("nats", settings).ingress, [{ name: "clients", peers: [{ namespace: "agogsaas" }], ports: [4222] }]);
        assert.deepStrictEqual(addonIsolation("redis", settings).ingress, [{ name: "clients", peers: [{ namespace: "agogsaas" }], ports: [6379, 26379] }]);
        assert.deepStrictEqual(addonIsolation("nats", { ...settings, addonClientNamespaces: [] }).ingress, [], "no client namespace: nothing gets in");
    });

    it("monitoring reaches the database subnets only on 5432; the ingress controller's metrics only from monitoring", () => {
        const postgres = addonIsolation("monitoring", settings).egress!.find((a) => a.name === "postgres")!;
        assert.deepStrictEqual(postgres, { name: "postgres", peers: [{ cidr: "10.40.192.0/20" }], ports: [5432] });
        const metrics = addonIsolation("ingressNginx", settings).ingress!.find((a) => a.name === "metrics")!;
        assert.deepStrictEqual(metrics.peers, [{ namespace: ADDON_NAMESPACES.monitoring }]);
        assert.ok(!addonIsolation("ingressNginx", { ...settings, addons: { ...settings.addons, monitoring: false } }).ingress!.some((a) => a.name === "metrics"));
    });

    it("Pod Security labels: enforce at the level, audit and warn at restricted", () => {
        assert.deepStrictEqual(podSecurityLabels("baseline"), {
            "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/warn": "restricted",
        });
    });
});
