import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as YAML from "yaml";
import { gatewayConfigsOf } from "../../policy/policies/federation";
import { FederationGateway } from "../../components/federation-gateway/federation-gateway";
import { regionalSubgraphSdl, subgraphUrl } from "../../components/federation-gateway/internal/regional-subgraph";
import { synthesize } from "../../tools/synth/mock-runtime";
import { evaluatePolicies } from "../../tools/policy/evaluate";
import { assertViolations, evaluateProgram, violationsOf } from "./helpers";

const POLICY = "federation-cross-zone-aggregates-only";

/** A gateway ConfigMap carrying the subgraph manifest the policy reads (`subgraphs.json`). */
function gatewayConfig(name: string, manifest: unknown, format: "json" | "yaml" = "json") {
    const text = format === "json" ? JSON.stringify(manifest) : YAML.stringify(manifest);
    return new k8s.core.v1.ConfigMap(name, { data: { "subgraphs.json": text, "supergraph.graphql": "schema { query: Query }" } });
}

describe("policy: federation-cross-zone-aggregates-only", () => {
    it("flags a peer-zone subgraph serving personal or unclassified data; passes aggregates", async () => {
        const result = await evaluateProgram({
            zone: "us",
            program: () => {
                gatewayConfig("gateway", {
                    zone: "us",
                    subgraphs: [
                        { name: "us-east", zone: "us", tables: ["orders", "customers"] },
                        { name: "eu-central", zone: "eu", tables: ["inventory_snapshots", "customers"] },
                        { name: "apac", zone: "apac", types: [{ type: "FacilityStatus", classification: "aggregate" }, { type: "Operator" }] },
                    ],
                });
            },
        });
        const found = assertViolations(result, POLICY, 2, "gateway");
        assert.deepStrictEqual(found.map((v) => v.message).sort(), [
            "data.subgraphs.json: subgraph apac (zone apac) serves type Operator (unclassified) to the gateway in zone us: only aggregate, non-personal data crosses zones",
            "data.subgraphs.json: subgraph eu-central (zone eu) serves table customers to the gateway in zone us: only aggregate, non-personal data crosses zones",
        ]);
    });

    it("fails closed: a peer-zone subgraph that does not say what it serves, or states no zone", async () => {
        const result = await evaluateProgram({
            zone: "eu",
            program: () => { gatewayConfig("gateway", { subgraphs: [{ name: "us-east", zone: "us" }, { name: "mystery" }] }, "yaml"); },
        });
        const found = assertViolations(result, POLICY, 2);
        assert.ok(found.some((v) => /us-east is in zone us but does not list the tables or types it serves/.test(v.message)));
        assert.ok(found.some((v) => /mystery does not state its zone/.test(v.message)));
    });

    it("passes a gateway whose peers serve only aggregates, and ignores ordinary ConfigMaps", async () => {
        const result = await evaluateProgram({
            zone: "apac",
            program: () => {
                gatewayConfig("gateway", {
                    zone: "apac",
                    subgraphs: [
                        { name: "apac", zone: "apac", types: [{ type: "Order", classification: "personal" }] },
                        { name: "us-east", zone: "us", tables: ["inventory_snapshots", "facility_status"], types: [{ type: "Stock", classification: "aggregate" }] },
                    ],
                });
                new k8s.core.v1.ConfigMap("plain", { data: { "app.yaml": "a: 1" } });
            },
        });
        assertViolations(result, POLICY, 0);
    });

    it("gatewayConfigsOf reads a manifest given as properties too", () => {
        const configs = gatewayConfigsOf("agogsaas:federation:Manifest", { zone: "eu", subgraphs: [{ name: "x", zone: "us", tables: ["orders"] }] });
        assert.strictEqual(configs.length, 1);
        assert.strictEqual(configs[0].zone, "eu");
        assert.deepStrictEqual(configs[0].subgraphs[0].serves, [{ what: "table orders", aggregate: false }]);
    });

    it("checks the real FederationGateway's ConfigMap, and catches it when edited to serve personal data across zones", async () => {
        const subgraph = (name: string, zone: "us" | "eu", audience: "aggregate" | "regional") => ({
            name, zone, url: subgraphUrl(`https://${name}.agogsaas.example.com`, audience), sdl: regionalSubgraphSdl(name, audience),
        });
        const synth = await synthesize({
            project: "policytest", stack: "federation-real",
            program: () => {
                const provider = new k8s.Provider("cluster", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
                new FederationGateway("federation", {
                    zone: "us", hostname: "graphql.us-east.example.com", production: true, provider,
                    subgraphs: [subgraph("us-east", "us", "regional"), subgraph("eu-central", "eu", "aggregate")],
                });
            },
        });
        const configMap = synth.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && typeof (r.inputs.data as any)?.["subgraphs.json"] === "string");
        assert.ok(configMap, "the gateway ConfigMap declares its subgraphs for the policy");
        const manifest = JSON.parse((configMap!.inputs.data as any)["subgraphs.json"]);
        const peer = manifest.subgraphs.find((s: any) => s.name === "eu-central");
        assert.ok(peer.types.length > 0 && peer.types.every((t: any) => t.classification === "aggregate"), JSON.stringify(peer));
        assert.strictEqual(violationsOf(await evaluatePolicies(synth, { zone: "us" }), POLICY).length, 0);

        // The same graph with the peer's manifest edited by hand (outside the component) to add a personal type.
        peer.types.push({ type: "Customer", classification: "personal" });
        (configMap!.inputs.data as any)["subgraphs.json"] = JSON.stringify(manifest);
        const found = violationsOf(await evaluatePolicies(synth, { zone: "us" }), POLICY);
        assert.strictEqual(found.length, 1);
        assert.match(found[0].message, /subgraph eu-central \(zone eu\) serves type Customer \(personal\) to the gateway in zone us/);
    });
});
