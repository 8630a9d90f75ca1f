import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { assertViolations, evaluateProgram } from "./helpers";

describe("policy: namespaces-have-network-policies (advisory, stack policy)", () => {
    it("flags a namespace without NetworkPolicy; passes one covered by name or by dependency", async () => {
        const result = await evaluateProgram({
            program: () => {
                new k8s.core.v1.Namespace("bare", { metadata: { name: "bare" } });
                const named = new k8s.core.v1.Namespace("apps", { metadata: { name: "apps" } });
                new k8s.networking.v1.NetworkPolicy("apps-deny", { metadata: { namespace: "apps" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } });
                const auto = new k8s.core.v1.Namespace("auto", {});
                new k8s.networking.v1.NetworkPolicy("auto-deny", { metadata: { namespace: auto.metadata.name }, spec: { podSelector: {}, policyTypes: ["Ingress"] } });
                return { named: named.metadata.name };
            },
        });
        const [v] = assertViolations(result, "namespaces-have-network-policies", 1, "bare", /namespace bare has no NetworkPolicy/);
        assert.strictEqual(v.enforcementLevel, "advisory");
        assert.match(v.urn!, /kubernetes:core\/v1:Namespace::bare$/);
    });

    it("is not applicable without namespaces", async () => {
        const result = await evaluateProgram({ program: () => { new k8s.core.v1.ConfigMap("cm", { data: { a: "b" } }); } });
        assertViolations(result, "namespaces-have-network-policies", 0);
    });
});
