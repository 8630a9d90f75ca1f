import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { synthesize, SynthError, SynthResource, SynthResult, REDACTED } from "../tools/synth/mock-runtime";
import { BlueGreenPair, BlueGreenPairArgs, Color } from "../components/blue-green-pair/blue-green-pair";
import type { CreateDatabaseOptions, DatabaseConnection, DatabaseProvisioner } from "../components/regional-cluster/args";
import { formatSchemaErrors, validateKubernetesObject, validateKubernetesResources } from "./support/k8s-schema";

/** Stands in for RegionalCluster: records the databases asked for. */
class FakeServer implements DatabaseProvisioner {
    public readonly created: Array<{ name: string; options?: CreateDatabaseOptions }> = [];
    createDatabase(name: string, options?: CreateDatabaseOptions): DatabaseConnection {
        this.created.push({ name, options });
        return {
            host: pulumi.output("db.internal.example"),
            port: pulumi.output(5432),
            database: pulumi.output(options?.databaseName ?? name),
            user: pulumi.output("agogadmin"),
            password: pulumi.secret("s3cr3t-pa$$"),
        };
    }
}

const BASE: Omit<BlueGreenPairArgs, "database"> = {
    zone: "eu",
    image: "ghcr.io/agogsaas/backend",
    colors: { blue: { version: "1.4.2" }, green: { version: "1.5.0" } },
    activeColor: "blue",
    namespace: "agogsaas",
    ingress: { host: "api.eu.example.com", tlsSecretName: "api-tls" },
    env: { NATS_URL: "nats://nats.nats:4222" },
};

async function synthPair(args: Partial<BlueGreenPairArgs>, server = new FakeServer()): Promise<SynthResult> {
    return synthesize({
        project: "agogsaas", stack: "test",
        program: () => {
            const pair = new BlueGreenPair("backend", { ...BASE, database: server, ...args } as BlueGreenPairArgs);
            return { activeColor: pair.activeColor, url: pair.url };
        },
    });
}

async function expectRejected(args: Partial<BlueGreenPairArgs>): Promise<string> {
    try {
        await synthPair(args);
    } catch (err) {
        assert.ok(err instanceof SynthError, `expected a SynthError, got ${String(err)}`);
        assert.deepStrictEqual(err.partial.resources.map((r) => r.type), [], "nothing may be registered before validation fails");
        return err.message;
    }
    assert.fail("the program should have been rejected");
}

const byName = (result: SynthResult, type: string, name: string): SynthResource => {
    const found = result.resources.find((r) => r.type === type && r.name === name);
    assert.ok(found, `${type} ${name}`);
    return found!;
};
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

describe("BlueGreenPair", () => {
    let blue: SynthResult;
    let server: FakeServer;
    before(async () => {
        server = new FakeServer();
        blue = await synthPair({}, server);
    });

    it("registers per colour a Deployment, Service, HPA, PDB, Redis, Secret, plus active/preview Services and an Ingress", () => {
        const names = (type: string) => blue.resources.filter((r) => r.type === type).map((r) => r.name).sort();
        assert.deepStrictEqual(names(DEPLOYMENT), ["backend-blue", "backend-blue-redis", "backend-green", "backend-green-redis"]);
        assert.deepStrictEqual(names(SERVICE), ["backend-active", "backend-blue", "backend-blue-redis", "backend-green", "backend-green-redis", "backend-preview"]);
        assert.deepStrictEqual(names(HPA), ["backend-blue", "backend-green"]);
        assert.deepStrictEqual(names(PDB), ["backend-blue", "backend-green"]);
        assert.deepStrictEqual(names("kubernetes:core/v1:Secret"), ["backend-blue-env", "backend-green-env"]);
        assert.deepStrictEqual(names("kubernetes:networking.k8s.io/v1:NetworkPolicy"), ["backend-blue-redis", "backend-green-redis"]);
        assert.deepStrictEqual(names("kubernetes:networking.k8s.io/v1:Ingress"), ["backend"]);
        const component = blue.resources.find((r) => r.type === "agogsaas:bluegreen:BlueGreenPair")!;
        for (const r of blue.resources.filter((x) => x.type.startsWith("kubernetes:"))) assert.strictEqual(r.parent, component.urn);
    });

    it("asks the regional server for one database per colour", () => {
        assert.deepStrictEqual(server.created.map((c) => [c.name, c.options?.databaseName]), [["backend-blue-db", "backend_blue"], ["backend-green-db", "backend_green"]]);
    });

    it("renders every Kubernetes object valid against the Kubernetes schema", () => {
        const report = validateKubernetesResources(blue);
        assert.deepStrictEqual(report.errors, [], formatSchemaErrors(report));
        assert.deepStrictEqual(report.skipped, []);
        assert.strictEqual(report.checked.length, blue.resources.filter((r) => r.type.startsWith("kubernetes:")).length);
        assert.strictEqual(report.checked.length, 19, "4 Deployments, 6 Services, 2 HPAs, 2 PDBs, 2 Secrets, 2 NetworkPolicies, 1 Ingress");
        const secret = report.checked.find((c) => c.kind === "Secret")!;
        assert.deepStrictEqual(secret.unchecked, ["stringData"], "the secret payload is redacted, the rest is checked");
    });

    it("the schema validator catches a broken object", () => {
        const messages = validateKubernetesObject({
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" },
            spec: { replicas: "three", template: { spec: { containers: [{ name: "a", resources: { limits: { cpu: "lots" } } }] } } },
        });
        assert.ok(messages.some((m) => m.includes("/spec/replicas must be integer")), messages.join("\n"));
        assert.ok(messages.some((m) => m.includes("missingProperty") || m.includes("(selector)")), messages.join("\n"));
        assert.ok(messages.some((m) => m.includes("/limits/cpu")), messages.join("\n"));
        assert.deepStrictEqual(validateKubernetesObject({ apiVersion: "example.com/v1", kind: "Widget" }), ['no schema for apiVersion "example.com/v1" kind "Widget"']);
    });

    it("runs the app non-root, read-only, without capabilities, with probes and resources", () => {
        const spec = (byName(blue, DEPLOYMENT, "backend-blue").inputs.spec as any);
        const pod = spec.template.spec;
        const container = pod.containers[0];
        assert.strictEqual(container.image, "ghcr.io/agogsaas/backend:1.4.2");
        assert.deepStrictEqual(container.livenessProbe.httpGet, { path: "/health/live", port: "http" });
        assert.deepStrictEqual(container.readinessProbe.httpGet, { path: "/health/ready", port: "http" });
        assert.deepStrictEqual(container.ports, [{ name: "http", containerPort: 4001, protocol: "TCP" }]);
        assert.deepStrictEqual(container.resources, { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } });
        assert.deepStrictEqual(container.securityContext, {
            runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] },
        });
        assert.strictEqual(pod.securityContext.runAsNonRoot, true);
        assert.deepStrictEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
        assert.deepStrictEqual(container.volumeMounts, [{ name: "scratch-0", mountPath: "/tmp" }]);
        assert.deepStrictEqual(spec.selector.matchLabels, { "app.kubernetes.io/name": "backend", color: "blue" });
        const labels = spec.template.metadata.labels;
        for (const key of ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by", "color", "data-residency", "data-classification"]) {
            assert.ok(key in labels, `pod label ${key}`);
        }
        assert.strictEqual(labels["data-residency"], "eu");
        const redisPod = (byName(blue, DEPLOYMENT, "backend-blue-redis").inputs.spec as any).template.spec;
        assert.strictEqual(redisPod.containers[0].securityContext.readOnlyRootFilesystem, true);
        assert.strictEqual(redisPod.securityContext.runAsUser, 999);
    });

    it("passes database credentials only through the Secret (secretKeyRef), never as plain values", () => {
        const env = (byName(blue, DEPLOYMENT, "backend-green").inputs.spec as any).template.spec.containers[0].env as any[];
        const byKey = Object.fromEntries(env.map((e) => [e.name, e]));
        for (const key of ["DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"]) {
            assert.deepStrictEqual(byKey[key], { name: key, valueFrom: { secretKeyRef: { name: "backend-green-env", key } } }, key);
        }
        assert.strictEqual(byKey.ENVIRONMENT.value, "green");
        assert.strictEqual(byKey.REDIS_URL.value, "redis://backend-green-redis:6379");
        assert.strictEqual(byKey.NATS_URL.value, "nats://nats.nats:4222");
        const secret = byName(blue, "kubernetes:core/v1:Secret", "backend-green-env");
        assert.deepStrictEqual(secret.secretPaths, ["stringData"]);
        assert.strictEqual(secret.inputs.stringData, REDACTED);
        assert.ok(!JSON.stringify(blue).includes("s3cr3t"), "the password appears nowhere in the synth output");
    });

    it("autoscales each colour 3 to 20 on CPU 70 % and memory 80 %, and bounds disruption", () => {
        const hpa = byName(blue, HPA, "backend-blue").inputs.spec as any;
        assert.strictEqual(hpa.minReplicas, 3);
        assert.strictEqual(hpa.maxReplicas, 20);
        assert.deepStrictEqual(hpa.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "backend-blue" });
        const targets = Object.fromEntries(hpa.metrics.map((m: any) => [m.resource.name, m.resource.target]));
        assert.deepStrictEqual(targets, { cpu: { type: "Utilization", averageUtilization: 70 }, memory: { type: "Utilization", averageUtilization: 80 } });
        const pdb = byName(blue, PDB, "backend-blue").inputs.spec as any;
        assert.deepStrictEqual(pdb, { maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "backend", color: "blue" } } });
    });

    it("routes active to the active colour, preview to the other, and the Ingress to active", () => {
        assert.deepStrictEqual((byName(blue, SERVICE, "backend-active").inputs.spec as any).selector, { "app.kubernetes.io/name": "backend", color: "blue" });
        assert.deepStrictEqual((byName(blue, SERVICE, "backend-preview").inputs.spec as any).selector, { "app.kubernetes.io/name": "backend", color: "green" });
        const rule = (byName(blue, "kubernetes:networking.k8s.io/v1:Ingress", "backend").inputs.spec as any).rules[0];
        assert.strictEqual(rule.host, "api.eu.example.com");
        assert.deepStrictEqual(rule.http.paths[0].backend, { service: { name: "backend-active", port: { name: "http" } } });
        assert.strictEqual(blue.outputs.url, "https://api.eu.example.com");
        assert.strictEqual(blue.outputs.activeColor, "blue");
    });

    describe("switching blue -> green", () => {
        let green: SynthResult;
        before(async () => { green = await synthPair({ activeColor: "green" }); });

        it("keeps the same resources and leaves every Deployment's inputs identical", () => {
            assert.deepStrictEqual(green.resources.map((r) => r.urn).sort(), blue.resources.map((r) => r.urn).sort());
            for (const deployment of blue.resources.filter((r) => r.type === DEPLOYMENT)) {
                const after = green.resources.find((r) => r.urn === deployment.urn)!;
                assert.deepStrictEqual(after.inputs, deployment.inputs, `${deployment.name} must not change`);
            }
        });

        it("changes only the active and preview Services' selectors", () => {
            const changed: string[] = [];
            for (const before of blue.resources) {
                const after = green.resources.find((r) => r.urn === before.urn)!;
                if (JSON.stringify(after.inputs) === JSON.stringify(before.inputs)) continue;
                changed.push(before.name);
                // Everything but the selector is the same.
                const strip = (r: SynthResource) => ({ ...r.inputs, spec: { ...(r.inputs.spec as object), selector: undefined } });
                assert.deepStrictEqual(strip(after), strip(before), `${before.name} changed outside its selector`);
            }
            assert.deepStrictEqual(changed.sort(), ["backend-active", "backend-preview"]);
            assert.deepStrictEqual((byName(green, SERVICE, "backend-active").inputs.spec as any).selector.color, "green");
            assert.deepStrictEqual((byName(green, SERVICE, "backend-preview").inputs.spec as any).selector.color, "blue");
            assert.strictEqual(green.outputs.activeColor, "green");
        });
    });

    describe("colours without a version or replicas", () => {
        it("refuses to switch to a colour with no version, naming the field", async () => {
            const message = await expectRejected({ colors: { blue: { version: "1.4.2" } }, activeColor: "green" });
            assert.strictEqual(message, 'colors.green.version: activeColor is "green" but green has no version to serve traffic; deploy a version to green first');
        });

        it("refuses to switch to a colour scaled to zero", async () => {
            const message = await expectRejected({ colors: { blue: { version: "1.4.2" }, green: { version: "1.5.0", replicas: 0 } }, activeColor: "green" });
            assert.match(message, /^colors\.green\.replicas: activeColor is "green" but green has 0 replicas/);
        });

        it("deploys nothing for an empty colour and parks a zero-replica colour without an HPA", async () => {
            const onlyBlue = await synthPair({ colors: { blue: { version: "1.4.2" } } });
            assert.deepStrictEqual(onlyBlue.resources.filter((r) => r.type === DEPLOYMENT).map((r) => r.name).sort(), ["backend-blue", "backend-blue-redis"]);
            assert.strictEqual((byName(onlyBlue, SERVICE, "backend-preview").inputs.spec as any).selector.color, "green", "preview waits for green");

            const parked = await synthPair({ colors: { blue: { version: "1.4.2" }, green: { version: "1.3.9", replicas: 0 } } });
            assert.deepStrictEqual(parked.resources.filter((r) => r.type === HPA).map((r) => r.name), ["backend-blue"]);
            assert.strictEqual((byName(parked, DEPLOYMENT, "backend-green").inputs.spec as any).replicas, 0);
        });
    });

    describe("without a database or Redis", () => {
        it("creates no Secret and no cache, and the app gets no credentials", async () => {
            const result = await synthesize({
                project: "agogsaas", stack: "test",
                program: () => { new BlueGreenPair("frontend", { zone: "us", image: "ghcr.io/agogsaas/frontend", colors: { blue: { version: "2.0.0" } }, activeColor: "blue", redis: false, port: 8080 }); },
            });
            assert.deepStrictEqual(result.resources.filter((r) => r.type === "kubernetes:core/v1:Secret"), []);
            assert.deepStrictEqual(result.resources.filter((r) => r.type === DEPLOYMENT).map((r) => r.name), ["frontend-blue"]);
            const env = (byName(result, DEPLOYMENT, "frontend-blue").inputs.spec as any).template.spec.containers[0].env;
            assert.deepStrictEqual(env.map((e: any) => e.name), ["ENVIRONMENT", "PORT"]);
            const report = validateKubernetesResources(result);
            assert.deepStrictEqual(report.errors, [], formatSchemaErrors(report));
        });
    });

    describe("rejects bad input before registering anything", () => {
        const cases: Array<[string, Partial<BlueGreenPairArgs>, RegExp]> = [
            ["an app name that is not DNS-1123", { app: "Backend_API" }, /^app: "Backend_API" is not a DNS-1123 label of at most 40 characters/],
            ["an over-long app name", { app: "a".repeat(41) }, /^app: "a{41}" is not a DNS-1123 label of at most 40 characters/],
            ["a bad namespace", { namespace: "Prod" }, /^namespace: "Prod" is not a DNS-1123 label/],
            ["an unknown active colour", { activeColor: "purple" as Color }, /^activeColor: unknown colour "purple". Allowed: "blue" or "green"$/],
            ["an unknown colour key", { colors: { blue: { version: "1" }, red: { version: "2" } } as never }, /^colors\.red: unknown colour/],
            ["an image with a tag", { image: "ghcr.io/agogsaas/backend:latest" }, /^image: "ghcr.io\/agogsaas\/backend:latest" is not an image repository without tag/],
            ["a version that is not a tag", { colors: { blue: { version: "1.4 beta" } } }, /^colors\.blue\.version: "1.4 beta" is not an image tag/],
            ["HPA max below min", { autoscaling: { minReplicas: 5, maxReplicas: 3 } }, /^autoscaling\.maxReplicas: must be an integer from 5 to 1000, got 3$/],
            ["a CPU target over 100 %", { autoscaling: { cpuUtilization: 170 } }, /^autoscaling\.cpuUtilization: must be an integer from 1 to 100, got 170$/],
            ["a bad memory quantity", { resources: { memoryLimit: "512MB" } }, /^resources\.memoryLimit: "512MB" is not a Kubernetes quantity/],
            ["a secret in plain env", { env: { DB_PASSWORD: "x" } }, /^env\.DB_PASSWORD: looks like a secret.*secretEnv/],
            ["shadowing a reserved variable", { env: { DATABASE_URL: "postgres://x" } }, /^env\.DATABASE_URL: is set by BlueGreenPair itself/],
            ["a bad ingress host", { ingress: { host: "API.example.com" } }, /^ingress\.host: "API.example.com" is not a DNS-1123 subdomain/],
            ["an unknown zone", { zone: "moon" as never }, /^zone: unknown sovereignty zone "moon"/],
            ["a port out of range", { port: 70000 }, /^port: must be an integer from 1 to 65535, got 70000$/],
        ];
        for (const [label, args, pattern] of cases) {
            it(label, async () => {
                assert.match(await expectRejected(args), pattern);
            });
        }
    });
});
