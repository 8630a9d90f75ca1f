/**
 * Tenant isolation of the shipped regional stacks, read from the synthesized graph (the real
 * stack program under the mock runtime): the apps' namespace quota admits every pod the
 * Deployments and their HPAs can ask for (checked from the rendered objects, not from the
 * library's own arithmetic), each app is reachable only on its port from the ingress controller,
 * and the backend reaches PostgreSQL only in the cluster's database subnets.
 */
import * as assert from "assert";
import * as path from "path";
import { synthStack } from "../tools/synth/cli";
import type { SynthResource, SynthResult } from "../tools/synth/mock-runtime";
import { cpuMillicores, memoryBytes } from "../components/k8s/quantities";
import { TENANT_LABEL } from "../components/k8s/tenancy";
import { APP_NAMESPACE, APP_SPECS } from "../stacks/apps";
import { ADDON_NAMESPACES } from "../components/regional-cluster/internal/addons";

const ROOT = path.join(__dirname, "..");
const STACKS = ["us-east", "eu-central", "apac"];

const inApps = (result: SynthResult, kind: string): SynthResource[] =>
    result.resources.filter((r) => r.inputs.kind === kind && (r.inputs.metadata as { namespace?: string } | undefined)?.namespace === APP_NAMESPACE);

/** The most pods a Deployment can run: its HPA's ceiling (or its replicas), plus the rolling update's surge. */
function peakPods(deployment: SynthResource, hpas: SynthResource[]): number {
    const name = (deployment.inputs.metadata as { name: string }).name;
    const spec = deployment.inputs.spec as { replicas: number; strategy?: { rollingUpdate?: { maxSurge?: string } } };
    const hpa = hpas.find((h) => (h.inputs.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === name);
    const replicas = hpa ? (hpa.inputs.spec as { maxReplicas: number }).maxReplicas : spec.replicas;
    const surge = Number((spec.strategy?.rollingUpdate?.maxSurge ?? "25%").replace("%", "")) / 100;
    return replicas === 0 ? 0 : replicas + Math.ceil(replicas * surge);
}

describe("shipped regional stacks: tenant isolation", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            let result: SynthResult;
            before(async () => { result = await synthStack(stack, ROOT); });

            it("labels the apps' namespace restricted and as the environment's tenant", () => {
                const ns = result.resources.find((r) => r.inputs.kind === "Namespace" && (r.inputs.metadata as { name: string }).name === APP_NAMESPACE)!;
                const labels = (ns.inputs.metadata as { labels: Record<string, string> }).labels;
                assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "restricted");
                assert.strictEqual(labels[TENANT_LABEL], "production");
            });

            it("sets a quota that admits every pod the Deployments and HPAs can create, with bounded headroom", () => {
                const [quota] = inApps(result, "ResourceQuota");
                const hard = (quota.inputs.spec as { hard: Record<string, string> }).hard;
                const hpas = inApps(result, "HorizontalPodAutoscaler");
                let pods = 0, cpuRequests = 0, memoryRequests = 0, cpuLimits = 0, memoryLimits = 0;
                for (const deployment of inApps(result, "Deployment")) {
                    const n = peakPods(deployment, hpas);
                    for (const c of (deployment.inputs.spec as any).template.spec.containers as Array<{ resources: { requests: Record<string, string>; limits: Record<string, string> } }>) {
                        cpuRequests += n * cpuMillicores(c.resources.requests.cpu);
                        memoryRequests += n * memoryBytes(c.resources.requests.memory);
                        cpuLimits += n * cpuMillicores(c.resources.limits.cpu);
                        memoryLimits += n * memoryBytes(c.resources.limits.memory);
                    }
                    pods += n;
                }
                assert.ok(pods > 0);
                const within = (label: string, quotaValue: number, need: number) => {
                    assert.ok(quotaValue >= need, `${label}: quota ${quotaValue} < peak ${need}`);
                    assert.ok(quotaValue <= need * 1.5, `${label}: quota ${quotaValue} is more than 1.5 × the peak ${need}`);
                };
                within("pods", Number(hard.pods), pods);
                within("requests.cpu", cpuMillicores(hard["requests.cpu"]), cpuRequests);
                within("requests.memory", memoryBytes(hard["requests.memory"]), memoryRequests);
                within("limits.cpu", cpuMillicores(hard["limits.cpu"]), cpuLimits);
                within("limits.memory", memoryBytes(hard["limits.memory"]), memoryLimits);
                assert.strictEqual(inApps(result, "LimitRange").length, 1, "pods without requests get defaults instead of a refusal");
            });

            it("lets each app in only on its port from the ingress controller, and the backend out to PostgreSQL's subnets", () => {
                const policies = new Map(inApps(result, "NetworkPolicy").map((p) => [(p.inputs.metadata as { name: string }).name, p.inputs.spec as any]));
                assert.ok(policies.has("default-deny"));
                for (const [app, spec] of Object.entries(APP_SPECS)) {
                    const allow = policies.get(`allow-${app}-from-ingress-controller`);
                    assert.deepStrictEqual(allow.podSelector, { matchLabels: { "app.kubernetes.io/name": app } });
                    assert.deepStrictEqual(allow.ingress, [{
                        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ADDON_NAMESPACES.ingressNginx } } }],
                        ports: [{ port: spec.port, protocol: "TCP" }],
                    }]);
                }
                const cidr = result.resources.find((r) => r.type === "aws:ec2/vpc:Vpc" || r.type === "azure-native:network:VirtualNetwork")!;
                const postgres = policies.get("allow-backend-to-postgres").egress[0];
                assert.deepStrictEqual(postgres.ports, [{ port: 5432, protocol: "TCP" }]);
                // Inside the VPC/VNet, never anywhere.
                const network = (cidr.inputs.cidrBlock as string | undefined) ?? (cidr.inputs as any).addressSpace.addressPrefixes[0];
                const prefix = network.split(".").slice(0, 2).join(".") + ".";
                for (const peer of postgres.to) assert.ok(peer.ipBlock.cidr.startsWith(prefix) && !peer.ipBlock.cidr.endsWith("/0"), JSON.stringify(peer));
                // The frontend has no egress allow of its own: with default-deny it reaches nothing but DNS.
                assert.ok(![...policies.keys()].some((name) => /^allow-frontend-to-/.test(name)));
            });
        });
    }
});
