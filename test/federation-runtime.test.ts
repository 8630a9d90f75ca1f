/**
 * The composed supergraph, run for real: Hive Gateway's runtime (`@graphql-hive/gateway-runtime`,
 * MIT) in process, over two small subgraph servers on loopback (node:http + graphql-js), one per
 * region. No mocks between the gateway and the subgraphs: real HTTP, real query planning.
 */
import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { buildSchema, graphql } from "graphql";
import { createGatewayRuntime, GatewayRuntime } from "@graphql-hive/gateway-runtime";
// The HTTP executor the gateway's `http` transport is built on. The transport package itself
// (`@graphql-mesh/transport-http`) ships inside the Hive Gateway image but is not an npm
// dependency of the runtime, so the test hands the runtime this executor as its `http` transport.
import { buildHTTPExecutor } from "@graphql-tools/executor-http";
import { composeSupergraph, regionalSubgraphSdl, SubgraphAudience } from "../components/federation-gateway/federation-gateway";

/** Directives and federation fields a subgraph server adds to its SDL to execute it. */
const SUBGRAPH_RUNTIME_SDL = `
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @tag(name: String!) repeatable on OBJECT | FIELD_DEFINITION | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
type _Service { sdl: String }
extend type Query { _service: _Service! }
`;

interface Subgraph {
    url: string;
    /** Every operation the subgraph received. */
    received: string[];
    close(): Promise<void>;
}

/** A minimal federation subgraph: the region's SDL executed with graphql-js over node:http. */
async function startSubgraph(region: string, audience: SubgraphAudience, rootValue: Record<string, unknown>): Promise<Subgraph> {
    const sdl = regionalSubgraphSdl(region, audience);
    const schema = buildSchema(sdl.replace(/^extend schema @link.*$/m, "") + SUBGRAPH_RUNTIME_SDL);
    const received: string[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => (body += chunk));
        req.on("end", async () => {
            const { query, variables } = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
            received.push(query);
            const result = await graphql({ schema, source: query, variableValues: variables, rootValue: { ...rootValue, _service: { sdl } } });
            res.setHeader("content-type", "application/json");
            res.end(JSON.stringify(result));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}/graphql`,
        received,
        close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
    };
}

const snapshot = (region: string, facilityId: string, productId: string, onHand: number) =>
    ({ region, facilityId, productId, onHand, snapshotAt: "2025-12-10T14:30:00Z" });

/** Aggregates of one region, with the field arguments the SDL declares. */
function regionData(region: string, zone: string, snapshots: ReturnType<typeof snapshot>[], online: boolean) {
    return {
        region, zone,
        inventorySnapshots: ({ productId }: { productId?: string }) => snapshots.filter((s) => !productId || s.productId === productId),
        facilityStatus: () => [...new Set(snapshots.map((s) => s.facilityId))].map((facilityId) =>
            ({ region, facilityId, online, ordersToday: online ? 42 : 0, reportedAt: "2025-12-10T14:30:00Z" })),
    };
}

describe("federation gateway, run for real (Hive Gateway runtime in process)", () => {
    let usEast: Subgraph;
    let euCentral: Subgraph;
    let gateway: GatewayRuntime;

    const post = async (body: unknown): Promise<{ status: number; json: any }> => {
        const response = await gateway.fetch("http://gateway.test/graphql", {
            method: "POST",
            headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
            body: JSON.stringify(body),
        });
        return { status: response.status, json: await response.json() };
    };

    before(async () => {
        usEast = await startSubgraph("us-east", "regional", {
            usEast: regionData("us-east", "us", [snapshot("us-east", "facility-la-001", "box-12x9", 1247)], true),
            usEastOrders: ({ facilityId }: { facilityId: string }) => [{
                facilityId, tenantId: "tenant-foo-inc", orderId: "o-1", customerId: "c-1", productId: "box-12x9",
                quantity: 10, status: "open", createdAt: "2025-12-10T14:00:00Z", updatedAt: "2025-12-10T14:00:00Z",
            }],
            usEastCustomers: () => [],
        });
        euCentral = await startSubgraph("eu-central", "aggregate", {
            euCentral: regionData("eu-central", "eu", [
                snapshot("eu-central", "facility-fra-001", "box-12x9", 583),
                snapshot("eu-central", "facility-fra-001", "bubble-wrap", 90),
            ], false),
        });
        // The us-east gateway: its own region in full, the EU peer's aggregates only.
        const composed = composeSupergraph({
            gatewayZone: "us",
            subgraphs: [
                { name: "us-east", zone: "us", url: usEast.url, sdl: regionalSubgraphSdl("us-east", "regional") },
                { name: "eu-central", zone: "eu", url: euCentral.url, sdl: regionalSubgraphSdl("eu-central", "aggregate") },
            ],
        });
        gateway = createGatewayRuntime({
            supergraph: composed.supergraphSdl,
            logging: false,
            transports: { http: { getSubgraphExecutor: ({ transportEntry }) => buildHTTPExecutor({ endpoint: transportEntry.location }) } },
        });
    });

    after(async () => {
        await (gateway as unknown as { dispose?: () => Promise<void> })?.dispose?.();
        await Promise.all([usEast?.close(), euCentral?.close()]);
    });

    it("answers a cross-region aggregate query from both regions' subgraphs", async () => {
        const { status, json } = await post({
            query: `query Inventory($product: String) {
                usEast { region inventorySnapshots(productId: $product) { facilityId productId onHand } facilityStatus { facilityId online } }
                euCentral { region inventorySnapshots(productId: $product) { facilityId productId onHand } facilityStatus { facilityId online ordersToday } }
            }`,
            variables: { product: "box-12x9" },
        });
        assert.strictEqual(status, 200);
        assert.strictEqual(json.errors, undefined, JSON.stringify(json.errors));
        assert.deepStrictEqual(json.data, {
            usEast: {
                region: "us-east",
                inventorySnapshots: [{ facilityId: "facility-la-001", productId: "box-12x9", onHand: 1247 }],
                facilityStatus: [{ facilityId: "facility-la-001", online: true }],
            },
            euCentral: {
                region: "eu-central",
                inventorySnapshots: [{ facilityId: "facility-fra-001", productId: "box-12x9", onHand: 583 }],
                facilityStatus: [{ facilityId: "facility-fra-001", online: false, ordersToday: 0 }],
            },
        });
        // Each region was asked only for its own root field.
        assert.ok(usEast.received.some((q) => /usEast/.test(q) && !/euCentral/.test(q)));
        assert.ok(euCentral.received.some((q) => /euCentral/.test(q) && !/usEast/.test(q)));
    });

    it("serves in-zone personal data from the gateway's own region", async () => {
        const { json } = await post({ query: `{ usEastOrders(facilityId: "facility-la-001") { orderId quantity } }` });
        assert.deepStrictEqual(json.data, { usEastOrders: [{ orderId: "o-1", quantity: 10 }] });
    });

    it("has no way to reach the other zone's personal data", async () => {
        const { json } = await post({ query: `{ euCentralOrders(facilityId: "facility-fra-001") { orderId } }` });
        assert.strictEqual(json.data, undefined);
        assert.match(json.errors[0].message, /Cannot query field "euCentralOrders" on type "Query"/);
    });

    it("rejects a mutation without reaching any subgraph", async () => {
        const before = usEast.received.length + euCentral.received.length;
        const { json } = await post({ query: `mutation { placeOrder(facilityId: "facility-la-001") }` });
        assert.ok(!json.data, "no data");
        assert.match(json.errors[0].message, /Schema is not configured to execute mutation operation/);
        assert.strictEqual(usEast.received.length + euCentral.received.length, before, "no subgraph was called");
    });

    it("serves the health endpoints the Kubernetes probes use", async () => {
        for (const path of ["/healthcheck", "/readiness"]) {
            const response = await gateway.fetch(`http://gateway.test${path}`);
            assert.strictEqual(response.status, 200, path);
        }
    });
});
