/**
 * Each shipped stack synthesizes from its real Pulumi.<stack>.yaml under the mock runtime, with
 * the resources the issue promises, every resource inside the stack's sovereignty zone, and the
 * promised outputs (kubeconfig secret).
 */
import * as assert from "assert";
import * as path from "path";
import { REDACTED, synthesize, SynthError, SynthResource, SynthResult } from "../tools/synth/mock-runtime";
import { loadStackConfigFiles } from "../tools/synth/stack-config";
import { runStack } from "../stacks/program";
import { isAwsRegionAllowed, isAzureLocationAllowed, isGlobalAwsType, TAG_RESIDENCY, Zone } from "../components/shared/sovereignty";

const ROOT = path.join(__dirname, "..");

async function synthStack(stack: string): Promise<SynthResult> {
    const { project, config, secretKeys } = loadStackConfigFiles(stack, ROOT);
    return synthesize({ project, stack, config, secretKeys, program: runStack });
}

const ofType = (result: SynthResult, type: string): SynthResource[] => result.resources.filter((r) => r.type === type);

function only(result: SynthResult, type: string): SynthResource {
    const found = ofType(result, type);
    assert.strictEqual(found.length, 1, `exactly one ${type}, found ${found.length}`);
    return found[0];
}

/** Deployments by metadata.name -> container image. */
function deploymentImages(result: SynthResult): Record<string, string> {
    return Object.fromEntries(ofType(result, "kubernetes:apps/v1:Deployment").map((d) => {
        const inputs = d.inputs as { metadata: { name: string }; spec: { template: { spec: { containers: { image: string }[] } } } };
        return [inputs.metadata.name, inputs.spec.template.spec.containers[0].image];
    }));
}

function activeServiceColor(result: SynthResult, app: string): unknown {
    const service = ofType(result, "kubernetes:core/v1:Service").find((s) => (s.inputs.metadata as { name: string }).name === `${app}-active`);
    assert.ok(service, `${app}-active Service`);
    return (service.inputs.spec as { selector: Record<string, string> }).selector.color;
}

/** Every AWS resource is placed by a provider (or its own `region`) inside `zone`. */
function assertAwsInZone(result: SynthResult, zone: Zone): number {
    const providers = new Map(ofType(result, "pulumi:providers:aws").map((p) => [p.urn, p]));
    let checked = 0;
    for (const r of result.resources.filter((x) => x.type.startsWith("aws:"))) {
        if (isGlobalAwsType(r.type)) continue;
        const provider = r.provider ? providers.get(r.provider) : undefined;
        assert.ok(provider, `${r.type} ${r.name} uses an explicit AWS provider (the default provider's region is not in the graph)`);
        const region = String(r.inputs.region ?? provider.inputs.region);
        assert.ok(isAwsRegionAllowed(zone, region), `${r.type} ${r.name} is in ${region}, outside zone ${zone}`);
        checked++;
    }
    return checked;
}

function assertAzureInZone(result: SynthResult, zone: Zone): number {
    let checked = 0;
    for (const r of result.resources.filter((x) => x.type.startsWith("azure-native:") || x.type === "pulumi:providers:azure-native")) {
        if (r.inputs.location === undefined) continue; // child resources live where their parent does
        assert.ok(isAzureLocationAllowed(zone, String(r.inputs.location)), `${r.type} ${r.name} is in ${String(r.inputs.location)}, outside zone ${zone}`);
        checked++;
    }
    return checked;
}

function assertOutputs(result: SynthResult, expected: { activeColor: string; publicUrl: string; clusterName: string }): void {
    assert.strictEqual(result.outputs.activeColor, expected.activeColor);
    assert.strictEqual(result.outputs.publicUrl, expected.publicUrl);
    assert.strictEqual(result.outputs.clusterName, expected.clusterName);
    assert.strictEqual(result.outputs.kubeconfig, REDACTED);
    assert.ok(result.secretOutputs.includes("kubeconfig"), "kubeconfig is a secret output");
    const endpoints = result.outputs.databaseEndpoints as Record<string, string>;
    assert.deepStrictEqual(Object.keys(endpoints).sort(), ["blue", "green", "server"]);
    assert.match(endpoints.blue, /:5432\/backend_blue$/);
    assert.match(endpoints.green, /:5432\/backend_green$/);
    // Generated passwords and the cluster token never appear in plaintext anywhere in the graph.
    const text = JSON.stringify(result);
    assert.ok(!text.includes("mock-password"), "no plaintext password");
    assert.ok(!text.includes("mock-token"), "no plaintext kubeconfig token");
}

describe("stacks (real Pulumi.<stack>.yaml under the mock runtime)", () => {
    describe("us-east", () => {
        let result: SynthResult;
        before(async () => { result = await synthStack("us-east"); });

        it("deploys EKS with a managed node group and RDS PostgreSQL 16 Multi-AZ, encrypted, private", () => {
            only(result, "aws:eks/cluster:Cluster");
            only(result, "aws:eks/nodeGroup:NodeGroup");
            const db = only(result, "aws:rds/instance:Instance").inputs;
            assert.strictEqual(db.engine, "postgres");
            assert.match(String(db.engineVersion), /^16(\.|$)/);
            assert.strictEqual(db.multiAz, true);
            assert.strictEqual(db.storageEncrypted, true);
            assert.strictEqual(db.publiclyAccessible, false);
            assert.strictEqual(db.instanceClass, "db.r6g.large");
            assert.strictEqual(db.allocatedStorage, 256);
        });

        it("runs blue and green Deployments of both apps with the configured versions, traffic on blue", () => {
            const images = deploymentImages(result);
            assert.strictEqual(images["backend-blue"], "ghcr.io/agogsaas/backend:1.4.2");
            assert.strictEqual(images["backend-green"], "ghcr.io/agogsaas/backend:1.5.0");
            assert.strictEqual(images["frontend-blue"], "ghcr.io/agogsaas/frontend:1.4.2");
            assert.strictEqual(images["frontend-green"], "ghcr.io/agogsaas/frontend:1.5.0");
            assert.strictEqual(activeServiceColor(result, "backend"), "blue");
            assert.strictEqual(activeServiceColor(result, "frontend"), "blue");
        });

        it("deploys an EdgeSite per inline facility (LA and Dallas), Houston's runs as its own stack", () => {
            assert.deepStrictEqual(ofType(result, "agogsaas:edge:EdgeSite").map((r) => r.name).sort(), ["facility-dal-001", "facility-la-001"]);
            assert.deepStrictEqual(Object.keys(result.outputs.facilities as object).sort(), ["facility-dal-001", "facility-hou-001", "facility-la-001"]);
        });

        it("keeps every AWS resource in a US region", () => {
            assert.ok(assertAwsInZone(result, "us") > 20);
            assert.strictEqual(result.resources.filter((r) => r.type.startsWith("azure-native:")).length, 0);
        });

        it("puts every Kubernetes object on the regional cluster's provider", () => {
            const k8sProvider = only(result, "pulumi:providers:kubernetes");
            const objects = result.resources.filter((r) => r.type.startsWith("kubernetes:"));
            assert.ok(objects.length > 20);
            for (const r of objects) assert.strictEqual(r.provider, k8sProvider.urn, `${r.type} ${r.name}`);
        });

        it("exports cluster name, secret kubeconfig, database endpoints, active color and public URL", () => {
            assertOutputs(result, { activeColor: "blue", publicUrl: "https://us-east.agogsaas.example.com", clusterName: "us-east-eks" });
        });
    });

    describe("eu-central", () => {
        let result: SynthResult;
        before(async () => { result = await synthStack("eu-central"); });

        it("deploys AKS and a PostgreSQL 16 Flexible Server, zone-redundant, in germanywestcentral", () => {
            const aks = only(result, "azure-native:containerservice:ManagedCluster").inputs;
            assert.strictEqual(aks.location, "germanywestcentral");
            const server = only(result, "azure-native:dbforpostgresql:Server").inputs;
            assert.strictEqual(server.location, "germanywestcentral");
            assert.strictEqual(server.version, "16");
            assert.strictEqual((server.highAvailability as { mode: string }).mode, "ZoneRedundant");
            assert.strictEqual((server.tags as Record<string, string>)[TAG_RESIDENCY], "eu");
        });

        it("has no resource outside EU locations, and no AWS resource at all", () => {
            assert.ok(assertAzureInZone(result, "eu") >= 3);
            assert.strictEqual(result.resources.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws").length, 0);
        });

        it("serves green (its active color) and keeps blue as preview", () => {
            assert.strictEqual(activeServiceColor(result, "backend"), "green");
            assert.strictEqual(activeServiceColor(result, "frontend"), "green");
            const images = deploymentImages(result);
            assert.strictEqual(images["backend-green"], "ghcr.io/agogsaas/backend:1.5.0");
            assert.strictEqual(images["backend-blue"], "ghcr.io/agogsaas/backend:1.4.2");
        });

        it("keeps the offline Warsaw facility declared but frozen, Frankfurt live", () => {
            const facilities = result.outputs.facilities as Record<string, { status: string }>;
            assert.strictEqual(facilities["facility-fra-001"].status, "online");
            assert.strictEqual(facilities["facility-waw-001"].status, "offline");
        });

        it("exports cluster name, secret kubeconfig, database endpoints, active color and public URL", () => {
            assertOutputs(result, { activeColor: "green", publicUrl: "https://eu-central.agogsaas.example.com", clusterName: "eu-central-aks" });
        });
    });

    describe("apac", () => {
        let result: SynthResult;
        before(async () => { result = await synthStack("apac"); });

        it("deploys EKS and RDS PostgreSQL 16 in ap-southeast-1 and the Shanghai edge", () => {
            only(result, "aws:eks/cluster:Cluster");
            assert.match(String(only(result, "aws:rds/instance:Instance").inputs.engineVersion), /^16(\.|$)/);
            assert.strictEqual(only(result, "pulumi:providers:aws").inputs.region, "ap-southeast-1");
            assert.deepStrictEqual(ofType(result, "agogsaas:edge:EdgeSite").map((r) => r.name), ["facility-sha-001"]);
        });

        it("keeps every AWS resource in an APAC region", () => {
            assert.ok(assertAwsInZone(result, "apac") > 20);
        });

        it("exports cluster name, secret kubeconfig, database endpoints, active color and public URL", () => {
            assertOutputs(result, { activeColor: "blue", publicUrl: "https://apac.agogsaas.example.com", clusterName: "apac-eks" });
        });
    });

    describe("edge tier (one facility as its own stack)", () => {
        let result: SynthResult;
        before(async () => {
            const { project, config } = loadStackConfigFiles("us-east", ROOT);
            config["agogsaas:tier"] = "edge";
            config["agogsaas:facilities"] = JSON.stringify(JSON.parse(config["agogsaas:facilities"]).slice(0, 1));
            result = await synthesize({ project, stack: "edge-la-001", config, program: runStack });
        });

        it("deploys only the facility's EdgeSite, reporting to its region", () => {
            assert.deepStrictEqual([...new Set(result.resources.map((r) => r.type.split(":")[0]))].sort(), ["agogsaas", "docker", "pulumi", "random"]);
            assert.deepStrictEqual(ofType(result, "agogsaas:edge:EdgeSite").map((r) => r.name), ["facility-la-001"]);
            assert.strictEqual(result.outputs.facilityId, "facility-la-001");
            const env = ofType(result, "docker:index/container:Container").flatMap((c) => (c.inputs.envs as string[] | undefined) ?? []);
            assert.ok(env.some((e) => e.includes("https://api.us-east.agogsaas.example.com")), "edge reports to the regional API");
            assert.ok(result.secretOutputs.includes("replicationPassword"), "replication password is a secret output");
            assert.ok(result.secretOutputs.includes("adminPassword"), "admin password is a secret output");
        });

        it("refuses an edge stack with more than one facility", async () => {
            const { project, config } = loadStackConfigFiles("us-east", ROOT);
            config["agogsaas:tier"] = "edge";
            await assert.rejects(synthesize({ project, stack: "edge-bad", config, program: runStack }), (err: unknown) =>
                err instanceof SynthError && err.partial.resources.length === 0 &&
                err.message === "agogsaas:facilities: an edge stack deploys exactly one facility, found 3. Allowed: a list with one facility");
        });
    });

    it("the same program runs again in the same process with identical results", async () => {
        // Registration order of independent resources may interleave differently: compare by URN.
        const byUrn = (result: SynthResult) => ({ ...result, resources: [...result.resources].sort((a, b) => a.urn.localeCompare(b.urn)) });
        const first = byUrn(await synthStack("apac"));
        const second = byUrn(await synthStack("apac"));
        assert.deepStrictEqual(second, first);
    });
});
