import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { assertViolations, evaluateProgram, violationsOf } from "./helpers";
import { TenantIsolation } from "../../components/k8s/isolation";
import { POD_SECURITY_EXCEPTION_ANNOTATION, TENANT_LABEL, podSecurityLabels } from "../../components/k8s/tenancy";

const POLICY = "namespaces-isolated";
const DENY_ALL = { podSelector: {}, policyTypes: ["Ingress", "Egress"] };

describe("policy: namespaces-isolated (advisory, stack policy)", () => {
    it("flags a namespace without NetworkPolicy or Pod Security label; passes fenced ones by name or by dependency", async () => {
        const result = await evaluateProgram({
            program: () => {
                new k8s.core.v1.Namespace("bare", { metadata: { name: "bare" } });
                new k8s.core.v1.Namespace("nameless", {});
                new k8s.core.v1.Namespace("apps", { metadata: { name: "apps", labels: podSecurityLabels() } });
                new k8s.networking.v1.NetworkPolicy("apps-deny", { metadata: { namespace: "apps" }, spec: DENY_ALL });
                const auto = new k8s.core.v1.Namespace("auto", { metadata: { labels: podSecurityLabels() } });
                new k8s.networking.v1.NetworkPolicy("auto-deny", { metadata: { namespace: auto.metadata.name }, spec: DENY_ALL });
            },
        });
        const found = assertViolations(result, POLICY, 4).filter((v) => v.name === "bare");
        assert.deepStrictEqual(found.map((v) => v.message).sort(), [
            "namespace bare has no NetworkPolicy (a default-deny one is expected)",
            "namespace bare has no pod-security.kubernetes.io/enforce label (restricted expected)",
        ]);
        assert.strictEqual(violationsOf(result, POLICY).filter((v) => v.name === "nameless").length, 2, "a Namespace with no metadata at all is reported too");
        assert.strictEqual(found[0].enforcementLevel, "advisory");
        assert.match(found[0].urn!, /kubernetes:core\/v1:Namespace::bare$/);
    });

    it("wants a default-deny policy, not just any: an allow, or a deny of one direction, does not fence", async () => {
        const result = await evaluateProgram({
            program: () => {
                const cases: Array<[string, k8s.types.input.networking.v1.NetworkPolicySpec]> = [
                    ["allow-only", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] }],
                    ["ingress-only", { podSelector: {}, policyTypes: ["Ingress"] }],
                    ["some-pods", { podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress", "Egress"] }],
                ];
                for (const [name, spec] of cases) {
                    new k8s.core.v1.Namespace(name, { metadata: { name, labels: podSecurityLabels() } });
                    new k8s.networking.v1.NetworkPolicy(`${name}-np`, { metadata: { namespace: name }, spec });
                }
            },
        });
        const found = assertViolations(result, POLICY, 3, undefined, /has NetworkPolicies but none denies by default/);
        assert.deepStrictEqual(found.map((v) => v.name).sort(), ["allow-only", "ingress-only", "some-pods"]);
    });

    it("a level below restricted needs an annotation saying why; an unknown level is refused", async () => {
        const result = await evaluateProgram({
            program: () => {
                const fenced = (name: string, labels: Record<string, string>, annotations?: Record<string, string>) => {
                    new k8s.core.v1.Namespace(name, { metadata: { name, labels, annotations } });
                    new k8s.networking.v1.NetworkPolicy(`${name}-deny`, { metadata: { namespace: name }, spec: DENY_ALL });
                };
                fenced("silent", podSecurityLabels("baseline"));
                fenced("explained", podSecurityLabels("privileged"), { [POD_SECURITY_EXCEPTION_ANNOTATION]: "node-exporter needs hostNetwork" });
                fenced("blank", podSecurityLabels("baseline"), { [POD_SECURITY_EXCEPTION_ANNOTATION]: "  " });
                fenced("typo", { "pod-security.kubernetes.io/enforce": "strict" });
            },
        });
        const found = assertViolations(result, POLICY, 3);
        assert.deepStrictEqual(found.map((v) => `${v.name}: ${v.message}`).sort(), [
            `blank: namespace blank enforces Pod Security "baseline" without a ${POD_SECURITY_EXCEPTION_ANNOTATION} annotation saying why`,
            `silent: namespace silent enforces Pod Security "baseline" without a ${POD_SECURITY_EXCEPTION_ANNOTATION} annotation saying why`,
            `typo: namespace typo has pod-security.kubernetes.io/enforce="strict", not one of restricted, baseline, privileged`,
        ]);
    });

    it("a tenant namespace needs a ResourceQuota and a LimitRange; TenantIsolation with a quota gives both", async () => {
        const result = await evaluateProgram({
            program: () => {
                const tenant = { ...podSecurityLabels(), [TENANT_LABEL]: "production" };
                new k8s.core.v1.Namespace("open-tenant", { metadata: { name: "open-tenant", labels: tenant } });
                new k8s.networking.v1.NetworkPolicy("open-tenant-deny", { metadata: { namespace: "open-tenant" }, spec: DENY_ALL });
                const ns = new k8s.core.v1.Namespace("fenced-tenant", { metadata: { name: "fenced-tenant", labels: tenant } });
                new TenantIsolation("fenced-tenant", {
                    namespace: "fenced-tenant",
                    quota: { cpuRequests: "4", memoryRequests: "8Gi", cpuLimits: "8", memoryLimits: "16Gi", pods: 20 },
                }, { dependsOn: [ns] });
            },
        });
        const found = assertViolations(result, POLICY, 2, "open-tenant");
        assert.deepStrictEqual(found.map((v) => v.message).sort(), [
            `namespace open-tenant is a tenant namespace (${TENANT_LABEL}) without a LimitRange`,
            `namespace open-tenant is a tenant namespace (${TENANT_LABEL}) without a ResourceQuota`,
        ]);
    });

    it("is not applicable without namespaces", async () => {
        const result = await evaluateProgram({ program: () => { new k8s.core.v1.ConfigMap("cm", { data: { a: "b" } }); } });
        assertViolations(result, POLICY, 0);
    });
});
