import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { assertViolations, evaluateProgram } from "./helpers";

const POLICY = "no-plaintext-secret-env";

const deployment = (name: string, env: k8s.types.input.core.v1.EnvVar[]) =>
    new k8s.apps.v1.Deployment(name, {
        spec: {
            selector: { matchLabels: { app: name } },
            template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: "ghcr.io/agogsaas/backend:1.4.2", env }] } },
        },
    });

describe("policy: no-plaintext-secret-env", () => {
    it("flags a password in a Docker container env, passes the *_FILE form", async () => {
        const result = await evaluateProgram({
            program: () => {
                new docker.Container("pg-bad", { image: "postgres:16.6-alpine", envs: ["POSTGRES_USER=app", "POSTGRES_PASSWORD=hunter2"] });
                new docker.Container("pg-good", { image: "postgres:16.6-alpine", envs: ["POSTGRES_USER=app", "POSTGRES_PASSWORD_FILE=/run/secrets/db-password"] });
            },
        });
        const [v] = assertViolations(result, POLICY, 1, "pg-bad", /env var POSTGRES_PASSWORD: its name marks it as a secret but its value is plaintext/);
        assert.strictEqual(v.enforcementLevel, "mandatory");
        assert.ok(!v.message.includes("hunter2"), "the message never repeats the value");
    });

    it("flags a secret (random password) landing in a plain env var under an innocent name", async () => {
        const result = await evaluateProgram({
            program: () => {
                const pw = new random.RandomPassword("pw", { length: 24 });
                new docker.Container("backend", { image: "ghcr.io/agogsaas/backend:1.4.2", envs: [pulumi.interpolate`DB=postgres://app:${pw.result}@db/app`] });
            },
        });
        assertViolations(result, POLICY, 1, "backend", /envs\[0\]: a secret value is written into it/);
    });

    it("flags a Kubernetes Deployment with a plaintext token or a URL with embedded password; passes secretKeyRef", async () => {
        const result = await evaluateProgram({
            program: () => {
                deployment("bad", [
                    { name: "NATS_TOKEN", value: "abc" },
                    { name: "DATABASE_URL", value: "postgres://app:pw@db:5432/app" },
                    { name: "LOG_LEVEL", value: "info" },
                ]);
                deployment("good", [
                    { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
                    { name: "DATABASE_URL", value: "postgres://db:5432/app" },
                ]);
            },
        });
        const found = assertViolations(result, POLICY, 2, "bad");
        assert.deepStrictEqual(found.map((v) => v.message).sort(), [
            "containers[0] (app): env var DATABASE_URL: its value is a URL with an embedded password",
            "containers[0] (app): env var NATS_TOKEN: its name marks it as a secret but its value is plaintext",
        ]);
    });
});
