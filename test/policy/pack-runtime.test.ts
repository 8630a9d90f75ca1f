/**
 * The real pack, run as the Pulumi CLI runs it: `@pulumi/pulumi/cmd/run-policy-pack` started in
 * `policy/` (TypeScript compiled by ts-node with type checking, the import of
 * ../components/shared/sovereignty.ts resolved), serving the analyzer gRPC protocol. This test plays the
 * engine: it configures the pack with a zone and sends Analyze requests, so the pack's loading,
 * config schema and verdicts are checked against the same SDK server the CLI talks to.
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { packArgs } from "../../policy/pack";
import { policyConfigForZone } from "../../tools/policy/stack-options";

/* eslint-disable @typescript-eslint/no-require-imports */
const grpc = require("@grpc/grpc-js");
const analyzerpb = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const emptypb = require("google-protobuf/google/protobuf/empty_pb");
const structpb = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

const POLICY_DIR = path.resolve(__dirname, "../../policy");
const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function call<T>(client: any, method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
}

function analyzeRequest(type: string, name: string, props: Record<string, unknown>): unknown {
    const req = new analyzerpb.AnalyzeRequest();
    req.setType(type);
    req.setName(name);
    req.setUrn(`urn:pulumi:eu-central::agogsaas::${type}::${name}`);
    req.setProperties(structpb.Struct.fromJavaScript(props));
    req.setOptions(new analyzerpb.AnalyzerResourceOptions());
    const provider = new analyzerpb.AnalyzerProviderResource();
    provider.setType("pulumi:providers:aws");
    provider.setName("default");
    provider.setUrn("urn:pulumi:eu-central::agogsaas::pulumi:providers:aws::default");
    provider.setProperties(structpb.Struct.fromJavaScript({ region: "eu-central-1" }));
    req.setProvider(provider);
    return req;
}

describe("the policy pack under the real analyzer runtime (run-policy-pack + gRPC)", function () {
    let child: ChildProcess | undefined;
    let client: any;

    before(async function () {
        child = spawn(process.execPath, [RUN_POLICY_PACK, "127.0.0.1:0", "."], { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr!.on("data", (d) => { stderr += String(d); });
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            child!.stdout!.on("data", (d) => {
                out += String(d);
                const match = /^(\d+)\s*$/m.exec(out);
                if (match) resolve(Number(match[1]));
            });
            child!.on("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}`)));
        });
        client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const configure = new analyzerpb.ConfigureAnalyzerRequest();
        for (const [policy, props] of Object.entries(policyConfigForZone("eu", packArgs.policies))) {
            const config = new analyzerpb.PolicyConfig();
            config.setEnforcementlevel(analyzerpb.EnforcementLevel.MANDATORY);
            config.setProperties(structpb.Struct.fromJavaScript(props));
            configure.getPolicyconfigMap().set(policy, config);
        }
        await call(client, "configure", configure);
    });

    after(() => {
        client?.close();
        if (child && child.exitCode === null) child.kill();
    });

    it("loads and lists every policy of pack.ts", async () => {
        const info: any = await call(client, "getAnalyzerInfo", new emptypb.Empty());
        assert.strictEqual(info.getName(), "agogsaas-sovereignty");
        assert.deepStrictEqual(info.getPoliciesList().map((p: any) => p.getName()).sort(), packArgs.policies.map((p) => p.name).sort());
    });

    it("reports an RDS instance in us-east-1 (zone eu) that is public, as mandatory", async () => {
        const res: any = await call(client, "analyze", analyzeRequest("aws:rds/instance:Instance", "orders", {
            region: "us-east-1", storageEncrypted: true, publiclyAccessible: true,
            tags: { "data-residency": "eu", "data-classification": "personal" },
        }));
        const found = res.getDiagnosticsList().map((d: any) => [d.getPolicyname(), d.getEnforcementlevel(), d.getMessage()]);
        const names = found.map((f: unknown[]) => f[0]).sort();
        assert.deepStrictEqual(names, ["aws-region-in-zone", "data-store-not-public"], JSON.stringify(found));
        assert.ok(found.every((f: unknown[]) => f[1] === analyzerpb.EnforcementLevel.MANDATORY));
        assert.match(found.find((f: unknown[]) => f[0] === "aws-region-in-zone")[2], /"us-east-1" \(from the resource\), outside sovereignty zone "eu"/);
    });

    it("passes the same instance in the zone; an unknown region is advisory 'can't run during preview'", async () => {
        const ok: any = await call(client, "analyze", analyzeRequest("aws:rds/instance:Instance", "orders", {
            storageEncrypted: true, tags: { "data-residency": "eu", "data-classification": "personal" },
        }));
        assert.deepStrictEqual(ok.getDiagnosticsList().map((d: any) => d.getPolicyname()), []);
        const unknown: any = await call(client, "analyze", analyzeRequest("aws:rds/instance:Instance", "later", {
            region: UNKNOWN_STRING, storageEncrypted: true, tags: { "data-residency": "eu", "data-classification": "personal" },
        }));
        const diags = unknown.getDiagnosticsList().map((d: any) => [d.getPolicyname(), d.getEnforcementlevel(), d.getMessage()]);
        assert.deepStrictEqual(diags.map((d: unknown[]) => [d[0], d[1]]), [["aws-region-in-zone", analyzerpb.EnforcementLevel.ADVISORY]]);
        assert.match(diags[0][2], /can't run policy 'aws-region-in-zone'.*during preview/);
    });
});
