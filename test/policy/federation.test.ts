import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as YAML from "yaml";
import { gatewayConfigsOf } from "../../policy/policies/federation";
import { assertViolations, evaluateProgram } from "./helpers";

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
});
