import * as assert from "assert";
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import { unpinnedReason } from "../../policy/policies/containers";
import { assertViolations, evaluateProgram } from "./helpers";

describe("policy: container-images-pinned / containers-non-root-with-limits (advisory)", () => {
    it("flags `latest` and untagged images as advisory, passes versions and digests", async () => {
        const result = await evaluateProgram({
            program: () => {
                new docker.Container("latest", { image: "nats:latest", user: "1000", memory: 256, cpus: "0.5" });
                new docker.Container("untagged", { image: "ghcr.io/agogsaas/backend", user: "1000", memory: 256, cpus: "0.5" });
                new docker.Container("pinned", { image: "registry.example.com:5000/pg:16.6-alpine", user: "1000", memory: 256, cpus: "0.5" });
                new docker.Container("digest", { image: `nats@sha256:${"a".repeat(64)}`, user: "1000", memory: 256, cpus: "0.5" });
            },
        });
        const found = assertViolations(result, "container-images-pinned", 2);
        assert.deepStrictEqual(found.map((v) => `${v.name}: ${v.message}`).sort(), [
            "latest: container (unnamed): image \"nats:latest\" uses the `latest` tag",
            "untagged: container (unnamed): image \"ghcr.io/agogsaas/backend\" has no tag (resolves to latest)",
        ]);
        assert.ok(found.every((v) => v.enforcementLevel === "advisory"));
        assertViolations(result, "containers-non-root-with-limits", 0);
    });

    it("unpinnedReason handles registry ports", () => {
        assert.strictEqual(unpinnedReason("registry:5000/team/app"), "has no tag (resolves to latest)");
        assert.strictEqual(unpinnedReason("registry:5000/team/app:2.1"), undefined);
    });

    it("flags containers running as root or without limits; passes non-root with limits", async () => {
        const result = await evaluateProgram({
            program: () => {
                const pod = (name: string, spec: Partial<k8s.types.input.core.v1.Container>, podSecurity?: k8s.types.input.core.v1.PodSecurityContext) =>
                    new k8s.apps.v1.Deployment(name, {
                        spec: {
                            selector: { matchLabels: { app: name } },
                            template: { metadata: { labels: { app: name } }, spec: { securityContext: podSecurity, containers: [{ name: "app", image: "app:1.0", ...spec }] } },
                        },
                    });
                pod("good", { resources: { limits: { cpu: "500m", memory: "512Mi" } } }, { runAsNonRoot: true });
                pod("root", { securityContext: { runAsUser: 0 }, resources: { limits: { cpu: "1", memory: "1Gi" } } });
                pod("unbounded", { securityContext: { runAsNonRoot: true } });
                new docker.Container("edge-root", { image: "nats:2.10.24-alpine", memory: 256 });
            },
        });
        const found = assertViolations(result, "containers-non-root-with-limits", 3);
        assert.deepStrictEqual(found.map((v) => `${v.name}: ${v.message}`).sort(), [
            "edge-root: container (unnamed): missing non-root user, CPU limit",
            "root: containers[0] (app): missing non-root user",
            "unbounded: containers[0] (app): missing CPU limit, memory limit",
        ]);
        assert.strictEqual(result.violations.filter((v) => v.enforcementLevel === "mandatory").length, 0);
    });
});
