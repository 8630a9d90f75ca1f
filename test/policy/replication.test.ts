import * as assert from "assert";
import { Subscription } from "../../components/replication/subscription";
import { Publication, publicationResourceInputs } from "../../components/replication/publication";
import { subscriptionResourceInputs } from "../../components/replication/subscription";
import { catalogTablesResourceInputs } from "../../components/replication/catalog-tables";
import { ReplicationBundle } from "../../components/replication/bundle";
import { Zone } from "../../components/shared/sovereignty";
import { assertViolations, evaluateProgram } from "./helpers";

const POLICY = "replication-cross-zone-aggregates-only";

const conn = (host: string) => ({ host, port: 5432, database: "agogsaas", user: "admin", password: "pw" });

function subscription(name: string, tables: string[], publisherZone: Zone | undefined, subscriberZone: Zone | undefined): Subscription {
    return new Subscription(name, {
        connection: conn(`${name}-sub.internal`),
        subscriptionName: name.replace(/-/g, "_"),
        publisher: conn(`${name}-pub.internal`),
        publisherAdmin: conn(`${name}-pub.internal`),
        publications: [`${name.replace(/-/g, "_")}_pub`],
        tables,
        ...(publisherZone ? { publisherZone } : {}),
        ...(subscriberZone ? { subscriberZone } : {}),
    });
}

describe("policy: replication-cross-zone-aggregates-only (ReplicationMesh resources)", () => {
    it("flags a subscription pulling `customers` from eu to us", async () => {
        const result = await evaluateProgram({ zone: "us", program: () => { subscription("eu-to-us", ["customers", "facility_status"], "eu", "us"); } });
        const [v] = assertViolations(result, POLICY, 1, "eu-to-us", /moves "customers" \(master, personal\) between zones us and eu/);
        assert.strictEqual(v.enforcementLevel, "mandatory");
        assert.strictEqual(v.type, "agogsaas:replication:Subscription");
    });

    it("passes aggregate tables across zones and any catalog table inside one zone", async () => {
        const result = await evaluateProgram({
            zone: "eu",
            program: () => {
                subscription("us-aggregates", ["inventory_snapshots", "facility_status"], "us", "eu");
                subscription("edge-orders", ["orders", "quality_inspections"], "eu", "eu");
                new Publication("edge-pub", { connection: conn("edge"), publicationName: "edge_pub", tables: ["orders", "customers"] });
            },
        });
        assertViolations(result, POLICY, 0);
    });

    it("counts the stack's zone as one end when the subscription names only the publisher's zone", async () => {
        const result = await evaluateProgram({ zone: "apac", program: () => { subscription("eu-orders", ["orders"], "eu", undefined); } });
        assertViolations(result, POLICY, 1, "eu-orders", /"orders" \(operational, personal\) between zones eu and apac/);
    });

    it("never reads the secret connections and is not fooled by unknown values during preview", async () => {
        const result = await evaluateProgram({ zone: "us", preview: true, program: () => { subscription("eu-to-us", ["customers"], "eu", "us"); } });
        assertViolations(result, POLICY, 1, "eu-to-us");
    });

    describe("inside a ReplicationBundle (items nested in the props)", () => {
        // Built directly, bypassing the mesh's own sovereignty validation: the pack is the second line.
        function bundle(name: string, subscriptionTables: string[], publisherZone: Zone, subscriberZone: Zone): ReplicationBundle {
            return new ReplicationBundle(name, {
                bundleName: name,
                items: [
                    { key: "tables", kind: "tables", inputs: catalogTablesResourceInputs({ connection: conn("edge"), tables: ["customers", "orders"] }) },
                    { key: "pub:edge_pub", kind: "publication", inputs: publicationResourceInputs({ connection: conn("edge"), publicationName: "edge_pub", tables: ["orders"] }) },
                    {
                        key: "sub:moved", kind: "subscription", inputs: subscriptionResourceInputs({
                            connection: conn("region"), subscriptionName: "moved", publisher: conn("peer"), publisherAdmin: conn("peer"),
                            publications: ["moved_pub"], tables: subscriptionTables, publisherZone, subscriberZone,
                        }),
                    },
                ],
            });
        }

        it("flags a subscription item moving `customers` from eu to us, naming the item", async () => {
            const result = await evaluateProgram({ zone: "us", program: () => { bundle("edge-bundle", ["customers", "inventory_snapshots"], "eu", "us"); } });
            const [v] = assertViolations(result, POLICY, 1, "edge-bundle", /^items\[2\]\.inputs moves "customers" \(master, personal\) between zones us and eu/);
            assert.strictEqual(v.type, "agogsaas:replication:Bundle");
            assert.strictEqual(v.enforcementLevel, "mandatory");
        });

        it("passes an in-zone bundle carrying personal and operational tables", async () => {
            const result = await evaluateProgram({ zone: "eu", program: () => { bundle("eu-bundle", ["customers", "orders"], "eu", "eu"); } });
            assertViolations(result, POLICY, 0);
        });
    });
});
