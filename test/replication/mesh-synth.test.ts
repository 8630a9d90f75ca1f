/**
 * ReplicationMesh under the mock runtime: every validation rule refuses with its message and
 * nothing registered; a good mesh registers the expected children with secrets kept secret
 * (and no provider code in any input: the package's provider plugin serves them).
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { synthesize, SynthError, SynthResult } from "../../tools/synth/mock-runtime";
import { ReplicationMesh, ReplicationMeshArgs } from "../../components/replication/replication-mesh";
import { MeshFlow, MeshNode } from "../../components/replication/args";
import { POSTGRES_DEFAULTS } from "../../components/replication/capacity";
import { PostgresDatabase } from "../../components/postgres/database";
import { isPgResourceType } from "../../components/postgres/providers/resource-types";

const ADMIN_PASSWORD = "Adm1n-PLAINTEXT-secret";
const REPL_PASSWORD = "Repl-PLAINTEXT-secret";

function conn(host: string, password: pulumi.Input<string> = pulumi.secret(ADMIN_PASSWORD)) {
    return { host, port: 5432, database: "app", user: "postgres", password, ssl: "require" as const };
}

function nodes(): MeshNode[] {
    return [
        { name: "edge_la", zone: "us", role: "edge", connection: conn("la.edge.local") },
        { name: "edge_fra", zone: "eu", role: "edge", connection: conn("fra.edge.local") },
        { name: "us_east_blue", zone: "us", role: "regional", connection: conn("us-east.rds"), server: "us_east_rds" },
        { name: "us_east_green", zone: "us", role: "regional", connection: conn("us-east.rds"), server: "us_east_rds" },
        { name: "eu_central", zone: "eu", role: "regional", connection: conn("eu-central.azure"), replicationPassword: pulumi.secret(REPL_PASSWORD) },
    ];
}

const LA = { column: "facility_id", equals: "facility-la-001" };
function goodFlows(): MeshFlow[] {
    return [
        { from: "edge_la", to: "us_east_blue", tables: ["orders", "inventory_transactions"], rowFilter: LA },
        { from: "us_east_blue", to: "us_east_green", tables: ["orders", "inventory_transactions"] },
        { from: "us_east_blue", to: "edge_la", tables: ["customers", "products"], rowFilter: { column: "tenant_id", in: ["tenant-1"] } },
        { from: "edge_fra", to: "eu_central", tables: ["orders"], rowFilter: { column: "facility_id", equals: "facility-fra-001" } },
        { from: "eu_central", to: "us_east_blue", tables: ["inventory_snapshots"] },
        { from: "us_east_blue", to: "eu_central", tables: ["inventory_snapshots"] },
    ];
}

async function synthMesh(args: ReplicationMeshArgs): Promise<SynthResult> {
    return synthesize({ project: "agogsaas", stack: "test", program: () => { new ReplicationMesh("mesh", args); } });
}

async function assertRefused(args: ReplicationMeshArgs, pattern: RegExp, errorName = "ValidationError"): Promise<void> {
    await assert.rejects(synthMesh(args), (err: unknown) => {
        assert.ok(err instanceof SynthError, `expected SynthError, got ${String(err)}`);
        assert.strictEqual((err.cause as Error).name, errorName, err.message);
        assert.match(err.message, pattern);
        assert.strictEqual(err.partial.resources.length, 0, `nothing may be registered, got ${err.partial.resources.map((r) => r.type).join(", ")}`);
        return true;
    });
}

describe("ReplicationMesh (mock runtime)", () => {
    describe("refuses a bad mesh before anything is created", () => {
        it("unknown node", () => assertRefused({ nodes: nodes(), flows: [{ from: "edge_la", to: "us_west", tables: ["orders"] }] },
            /^flows\[0\]\.to: unknown node "us_west"\. Allowed: .*"us_east_blue"/));
        it("unknown table", () => assertRefused({ nodes: nodes(), flows: [{ from: "edge_la", to: "us_east_blue", tables: ["orders", "invoices"] }] },
            /^flows\[0\]\.tables: unknown table\(s\) "invoices"/));
        it("a table name that could inject SQL", () => assertRefused(
            { nodes: nodes(), flows: [{ from: "edge_la", to: "us_east_blue", tables: ['orders"; DROP TABLE orders; --'] }] },
            /^flows\[0\]\.tables\[0\]: .* is not a plain SQL identifier/));
        it("a row-filter column that could inject SQL", () => assertRefused(
            { nodes: nodes(), flows: [{ from: "edge_la", to: "us_east_blue", tables: ["orders"], rowFilter: { column: "facility_id) OR (true", equals: "x" } }] },
            /^flows\[0\]\.rowFilter\.column: .* is not a plain SQL identifier/));
        it("a row-filter value with control characters", () => assertRefused(
            { nodes: nodes(), flows: [{ from: "edge_la", to: "us_east_blue", tables: ["orders"], rowFilter: { column: "facility_id", equals: "la\u0000" } }] },
            /^flows\[0\]\.rowFilter\.equals: .* contains control characters/));
        it("a row-filter column missing from one table", () => assertRefused(
            { nodes: nodes(), flows: [{ from: "us_east_blue", to: "edge_la", tables: ["customers", "product_prices"], rowFilter: { column: "customer_id", equals: "c1" } }] },
            /^flows\[0\]\.rowFilter\.column: column "customer_id" is not in table\(s\) "product_prices"/));
        it("a row-filter column outside the replica identity when updates are published", () => assertRefused(
            { nodes: nodes(), flows: [{ from: "edge_la", to: "us_east_blue", tables: ["orders"], rowFilter: { column: "status", equals: "new" } }] },
            /^flows\[0\]\.rowFilter\.column: column "status" is not part of the primary key \(replica identity\) of "orders"/));
        it("a loop of three nodes", () => assertRefused({
            nodes: nodes(),
            flows: [
                { from: "eu_central", to: "us_east_blue", tables: ["facility_status"] },
                { from: "us_east_blue", to: "us_east_green", tables: ["facility_status"] },
                { from: "us_east_green", to: "eu_central", tables: ["facility_status"] },
            ],
        }, /^flows\[2\]: replication loop for table "facility_status": eu_central -> us_east_blue -> us_east_green -> eu_central/));
        it("a two-way pair forced to origin any", () => assertRefused({
            nodes: nodes(),
            flows: [
                { from: "eu_central", to: "us_east_blue", tables: ["facility_status"], options: { origin: "any" } },
                { from: "us_east_blue", to: "eu_central", tables: ["facility_status"] },
            ],
        }, /^flows\[0\]\.options\.origin: .*both ways: origin "any" would send every change back and forth forever/));
        it("more subscriptions on a server than its capacity", () => assertRefused({
            nodes: nodes().map((n) => (n.server === "us_east_rds" ? { ...n, capacity: { ...POSTGRES_DEFAULTS, maxLogicalReplicationWorkers: 1, maxWorkerProcesses: 8 } } : n)),
            flows: [
                { from: "edge_la", to: "us_east_blue", tables: ["orders"], rowFilter: LA },
                { from: "us_east_blue", to: "us_east_green", tables: ["orders"] },
            ],
        }, /^nodes\[2\]\.capacity\.maxLogicalReplicationWorkers: server of nodes "us_east_blue", "us_east_green" would apply 2 subscriptions but max_logical_replication_workers is 1/));
        it("personal data across zones (customers eu -> us)", () => assertRefused(
            { nodes: nodes(), flows: [{ from: "eu_central", to: "us_east_blue", tables: ["customers"] }] },
            /^flows\[0\]\.tables: "customers" \(master, personal\) may not flow from zone "eu" to zone "us"/, "SovereigntyError"));
        it("non-aggregate data across zones (orders us -> eu)", () => assertRefused(
            { nodes: nodes(), flows: [{ from: "edge_la", to: "eu_central", tables: ["inventory_transactions"] }] },
            /^flows\[0\]\.tables: "inventory_transactions" \(operational\) may not flow from zone "us" to zone "eu"/, "SovereigntyError"));
        it("bad node name, zone and role", async () => {
            await assertRefused({ nodes: [{ ...nodes()[0], name: "Edge-LA" }] }, /^nodes\[0\]\.name: "Edge-LA" is not a plain SQL identifier/);
            await assertRefused({ nodes: [{ ...nodes()[0], zone: "cn" as never }] }, /^nodes\[0\]\.zone: unknown sovereignty zone "cn"/);
            await assertRefused({ nodes: [{ ...nodes()[0], role: "cloud" as never }] }, /^nodes\[0\]\.role: unknown role "cloud"/);
        });
    });

    describe("across stacks: external publishers and offered publications", () => {
        const PEER_LOGIN = "Peer-LOGIN-secret";
        const peerNode = (extra: Partial<MeshNode> = {}): MeshNode => ({
            name: "eu_peering", zone: "eu", role: "regional", external: true,
            connection: { ...conn("eu-central.azure"), database: "agogsaas_peering", user: "mesh_peering_eu_central_reader", password: pulumi.secret(PEER_LOGIN) }, ...extra,
        });
        const fromPeer = (extra: Partial<MeshFlow> = {}): MeshFlow => ({
            from: "eu_peering", to: "us_east_blue", tables: ["inventory_snapshots"], rowFilter: { column: "region", equals: "eu-central" }, publication: "mesh_peering_eu_central", ...extra,
        });
        const offer = { node: "us_east_blue", name: "mesh_peering_us_east", tables: ["inventory_snapshots", "facility_status"], subscriberZones: ["eu" as const], subscribers: 2 };

        it("refuses a flow into an external node (its own stack subscribes)", () => assertRefused(
            { nodes: [...nodes(), peerNode()], flows: [{ from: "us_east_blue", to: "eu_peering", tables: ["inventory_snapshots"] }] },
            /^flows\[0\]\.to: node "eu_peering" is external: the mesh creates no subscription there/));
        it("refuses a flow from an external node without the publication to subscribe to", () => assertRefused(
            { nodes: [...nodes(), peerNode()], flows: [fromPeer({ publication: undefined })] },
            /^flows\[0\]\.publication: missing: node "eu_peering" is external/));
        it("refuses a publication name on a flow the mesh publishes itself", () => assertRefused(
            { nodes: nodes(), flows: [{ ...goodFlows()[1], publication: "other" }] },
            /^flows\[0\]\.publication: is only for flows from an external node/));
        it("refuses settings for objects the mesh would create on an external node", () => assertRefused(
            { nodes: [...nodes(), peerNode({ replicationPassword: "x" })], flows: [fromPeer()] },
            /^nodes\[5\]\.replicationPassword: is set on external node "eu_peering"/));
        it("keeps sovereignty on flows from an external node", () => assertRefused(
            { nodes: [...nodes(), peerNode()], flows: [fromPeer({ tables: ["customers"], rowFilter: undefined })] },
            /^flows\[0\]\.tables: "customers" \(master, personal\) may not flow from zone "eu" to zone "us"/, "SovereigntyError"));
        it("refuses an offered publication of personal or operational tables to another zone", () => assertRefused(
            { nodes: nodes(), flows: [], publications: [{ ...offer, tables: ["orders"] }] },
            /^publications\[0\]\.tables: "orders" \(operational, personal\) may not flow from zone "us" to zone "eu"/, "SovereigntyError"));
        it("refuses an offered publication on an external node, or whose role clashes", async () => {
            await assertRefused({ nodes: [...nodes(), peerNode()], flows: [], publications: [{ ...offer, node: "eu_peering" }] },
                /^publications\[0\]\.node: node "eu_peering" is external/);
            await assertRefused({ nodes: nodes(), flows: [], publications: [{ ...offer, roleName: "mesh_repl_us_east_blue" }] },
                /^publications\[0\]\.roleName: role "mesh_repl_us_east_blue" is already used by the mesh/);
        });
        it("counts the offered publication's subscribers against the server's slots", () => assertRefused(
            { nodes: nodes(), flows: goodFlows().slice(0, 3), publications: [{ ...offer, subscribers: POSTGRES_DEFAULTS.maxReplicationSlots }] },
            /^nodes\[2\]\.capacity\.maxReplicationSlots: server of nodes "us_east_blue", "us_east_green" would publish 12 flows/));

        it("creates nothing on the external node and logs in there with the given login only; offers its publication with a role of its own", async () => {
            const r = await synthMesh({ nodes: [...nodes(), peerNode()], flows: [fromPeer()], publications: [offer] });
            const dynamic = r.resources.filter((x) => isPgResourceType(x.type));
            assert.deepStrictEqual(dynamic.filter((x) => x.name.includes("eu_peering")).map((x) => x.name), ["mesh-mesh_eu_peering_to_us_east_blue-sub"]);
            const sub = dynamic.find((x) => x.name === "mesh-mesh_eu_peering_to_us_east_blue-sub")!;
            assert.deepStrictEqual(sub.inputs.publications, ["mesh_peering_eu_central"]);
            assert.deepStrictEqual([sub.inputs.publisherZone, sub.inputs.subscriberZone, sub.inputs.tables], ["eu", "us", ["inventory_snapshots"]]);
            assert.ok(sub.secretPaths.includes("publisher") && sub.secretPaths.includes("publisherAdmin"));
            const pub = dynamic.find((x) => x.inputs.publicationName === "mesh_peering_us_east")!;
            assert.deepStrictEqual([pub.inputs.publisherZone, pub.inputs.subscribers], ["us", [{ zone: "eu" }]]);
            const role = dynamic.find((x) => x.inputs.roleName === "mesh_peering_us_east_reader")!;
            assert.deepStrictEqual(role.inputs.tables, ["facility_status", "inventory_snapshots"]);
            assert.ok(role.secretPaths.includes("password"));
            // Both databases on the offering server refuse logins not granted CONNECT.
            assert.deepStrictEqual(dynamic.filter((x) => x.name.endsWith("-connect")).map((x) => x.name).sort(), ["mesh-us_east_blue-connect", "mesh-us_east_green-connect"]);
            assert.ok(!JSON.stringify(r).includes(PEER_LOGIN));
        });
    });

    describe("a good mesh", () => {
        let result: SynthResult;
        before(async () => {
            result = await synthMesh({ nodes: nodes(), flows: goodFlows() });
        });

        it("registers the component and its children with stable names", () => {
            const component = result.resources.find((r) => r.type === "agogsaas:replication:ReplicationMesh");
            assert.ok(component);
            const names = result.resources.filter((r) => r.parent === component.urn).map((r) => r.name).sort();
            assert.ok(names.includes("mesh-mesh_edge_la_to_us_east_blue-pub"));
            assert.ok(names.includes("mesh-mesh_edge_la_to_us_east_blue-sub"));
            assert.ok(names.includes("mesh-edge_la-repl-role"));
            assert.ok(names.includes("mesh-edge_la-repl-password"));
            assert.ok(!names.includes("mesh-eu_central-repl-password"), "a given replication password is used, not generated");
            assert.ok(names.includes("mesh-us_east_blue-edge-priority"));
            assert.ok(names.includes("mesh-us_east_green-edge-priority"), "green guards the facilities it receives via blue");
            assert.strictEqual(names.filter((n) => n.endsWith("-sub")).length, 6);
        });

        it("applies two-way rules: origin none both ways, copy_data false on the second direction", () => {
            const sub = (name: string) => result.resources.find((r) => r.name === `mesh-${name}-sub`)!.inputs;
            assert.strictEqual(sub("mesh_eu_central_to_us_east_blue").origin, "none");
            assert.strictEqual(sub("mesh_eu_central_to_us_east_blue").copyData, true);
            assert.strictEqual(sub("mesh_us_east_blue_to_eu_central").origin, "none");
            assert.strictEqual(sub("mesh_us_east_blue_to_eu_central").copyData, false);
            assert.strictEqual(sub("mesh_us_east_blue_to_us_east_green").origin, "any");
            assert.strictEqual(sub("mesh_edge_la_to_us_east_blue").streaming, "parallel");
            assert.strictEqual(sub("mesh_edge_la_to_us_east_blue").disableOnError, false, "an edge outage must not disable the subscription");
        });

        it("passes the row filter structurally and guards the facility rows", () => {
            const pub = result.resources.find((r) => r.name === "mesh-mesh_edge_la_to_us_east_blue-pub")!.inputs;
            assert.deepStrictEqual(pub.rowFilter, LA);
            assert.deepStrictEqual(pub.tables, ["orders", "inventory_transactions"]);
            const guard = result.resources.find((r) => r.name === "mesh-us_east_green-edge-priority")!.inputs;
            assert.deepStrictEqual(guard.facilities, ["facility-la-001"]);
            assert.deepStrictEqual(guard.tables, ["inventory_transactions", "orders"]);
        });

        it("keeps every connection and password secret", () => {
            const sub = result.resources.find((r) => r.name === "mesh-mesh_edge_la_to_us_east_blue-sub")!;
            assert.deepStrictEqual(sub.secretPaths.sort(), ["connection", "publisher", "publisherAdmin"]);
            const role = result.resources.find((r) => r.name === "mesh-edge_la-repl-role")!;
            assert.deepStrictEqual(role.secretPaths.sort(), ["connection", "password"]);
            const json = JSON.stringify(result);
            for (const secret of [ADMIN_PASSWORD, REPL_PASSWORD, "mock-password-mesh-edge_la-repl-password"]) {
                assert.ok(!json.includes(secret), `"${secret}" appears in the synth result`);
            }
        });

        it("registers no provider code: no input of a PostgreSQL resource starts with __", () => {
            const pg = result.resources.filter((r) => isPgResourceType(r.type));
            assert.ok(pg.length >= 10);
            for (const resource of pg) assert.deepStrictEqual(Object.keys(resource.inputs).filter((k) => k.startsWith("__")), [], resource.name);
        });
    });

    it("topology: every node's address and login user, every flow, no password, not secret; built only when read", async () => {
        let topology: unknown;
        let secret: boolean | undefined;
        const result = await synthesize({
            project: "agogsaas", stack: "test",
            program: async () => {
                const mesh = new ReplicationMesh("mesh", { nodes: nodes(), flows: goodFlows() });
                const output = mesh.topology;
                assert.strictEqual(mesh.topology, output, "built once");
                secret = await (output as unknown as { isSecret: Promise<boolean> }).isSecret;
                topology = await (output as unknown as { promise(): Promise<unknown> }).promise();
                return { topology: output };
            },
        });
        assert.strictEqual(secret, false);
        const t = topology as { nodes: { name: string; host: string; user: string; port: number }[]; flows: { from: string; to: string; subscriptionName: string }[] };
        assert.deepStrictEqual(t.nodes.map((n) => `${n.name}@${n.host}:${n.port} as ${n.user}`), [
            "edge_la@la.edge.local:5432 as postgres", "edge_fra@fra.edge.local:5432 as postgres", "us_east_blue@us-east.rds:5432 as postgres",
            "us_east_green@us-east.rds:5432 as postgres", "eu_central@eu-central.azure:5432 as postgres",
        ]);
        assert.deepStrictEqual(t.flows.map((f) => `${f.from}->${f.to}`), goodFlows().map((f) => `${f.from}->${f.to}`));
        assert.ok(!JSON.stringify(result.outputs).includes(ADMIN_PASSWORD), "no password in the exported topology");
        assert.deepStrictEqual(result.secretOutputs, []);
    });

    describe("bundleEdges: each edge's objects as one ReplicationBundle", () => {
        let result: SynthResult;
        const byName = (r: SynthResult, name: string) => {
            const found = r.resources.find((x) => x.name === name);
            assert.ok(found, `no resource named ${name}`);
            return found;
        };
        type Item = { key: string; kind: string; frozen: boolean; inputs: Record<string, unknown> };
        const itemsOf = (r: SynthResult, edge: string) => byName(r, `mesh-${edge}-replication`).inputs.items as Item[];
        before(async () => {
            result = await synthMesh({ nodes: nodes(), flows: goodFlows(), bundleEdges: true });
        });

        it("registers one mesh-<edge>-replication bundle per edge and no per-object resource for edge objects", () => {
            const dynamic = result.resources.filter((r) => isPgResourceType(r.type)).map((r) => r.name).sort();
            assert.deepStrictEqual(dynamic.filter((n) => n.endsWith("-replication")), ["mesh-edge_fra-replication", "mesh-edge_la-replication"]);
            // Only the bundles (and the generated replication passwords, which are random resources) mention an edge.
            const edgeNamed = result.resources.filter((r) => /edge_(la|fra)/.test(r.name)).map((r) => `${r.type} ${r.name}`).sort();
            assert.deepStrictEqual(edgeNamed, [
                "agogsaas:replication:Bundle mesh-edge_fra-replication", "agogsaas:replication:Bundle mesh-edge_la-replication",
                "random:index/randomPassword:RandomPassword mesh-edge_fra-repl-password", "random:index/randomPassword:RandomPassword mesh-edge_la-repl-password",
            ]);
            // Regional <-> regional flows stay single resources, with the regional nodes' tables and roles.
            for (const flow of ["mesh_us_east_blue_to_us_east_green", "mesh_eu_central_to_us_east_blue", "mesh_us_east_blue_to_eu_central"]) {
                assert.ok(dynamic.includes(`mesh-${flow}-pub`) && dynamic.includes(`mesh-${flow}-sub`), flow);
            }
            assert.strictEqual(dynamic.filter((n) => n.endsWith("-sub")).length, 3);
            assert.strictEqual(dynamic.filter((n) => n.endsWith("-pub")).length, 3);
            assert.deepStrictEqual(dynamic.filter((n) => n.endsWith("-tables")), ["mesh-eu_central-tables", "mesh-us_east_blue-tables", "mesh-us_east_green-tables"]);
            assert.deepStrictEqual(dynamic.filter((n) => n.endsWith("-repl-role")), ["mesh-eu_central-repl-role", "mesh-us_east_blue-repl-role"]);
            const component = result.resources.find((r) => r.type === "agogsaas:replication:ReplicationMesh")!;
            assert.strictEqual(byName(result, "mesh-edge_la-replication").parent, component.urn);
        });

        it("orders the items tables, role, publications, subscriptions, with the provider inputs of the single resources", () => {
            const la = itemsOf(result, "edge_la");
            assert.deepStrictEqual(la.map((i) => [i.key, i.kind, i.frozen]), [
                ["tables", "tables", false],
                ["role", "role", false],
                ["pub:mesh_edge_la_to_us_east_blue", "publication", false],
                ["pub:mesh_us_east_blue_to_edge_la", "publication", false],
                ["sub:mesh_edge_la_to_us_east_blue", "subscription", false],
                ["sub:mesh_us_east_blue_to_edge_la", "subscription", false],
            ]);
            assert.deepStrictEqual(la[0].inputs.tables, ["customers", "inventory_transactions", "orders", "products"]);
            assert.deepStrictEqual([la[1].inputs.roleName, la[1].inputs.tables, la[1].inputs.replicationAttribute], ["mesh_repl_edge_la", ["inventory_transactions", "orders"], true]);
            assert.deepStrictEqual([la[2].inputs.publicationName, la[2].inputs.tables, la[2].inputs.rowFilter], ["mesh_edge_la_to_us_east_blue", ["orders", "inventory_transactions"], LA]);
            assert.deepStrictEqual(la[3].inputs.rowFilter, { column: "tenant_id", in: ["tenant-1"] });
            const sub = la[4].inputs;
            assert.deepStrictEqual([sub.subscriptionName, sub.publications, sub.tables, sub.publisherZone, sub.subscriberZone, sub.enabled, sub.streaming, sub.disableOnError],
                ["mesh_edge_la_to_us_east_blue", ["mesh_edge_la_to_us_east_blue"], ["inventory_transactions", "orders"], "us", "us", true, "parallel", false]);
            assert.deepStrictEqual(itemsOf(result, "edge_fra").map((i) => i.key), ["tables", "role", "pub:mesh_edge_fra_to_eu_central", "sub:mesh_edge_fra_to_eu_central"]);
            assert.strictEqual(byName(result, "mesh-edge_la-replication").inputs.bundleName, "edge_la");
        });

        it("depends on the regional schema and role resources its items need", () => {
            const urn = (name: string) => byName(result, name).urn;
            const la = byName(result, "mesh-edge_la-replication").dependencies;
            for (const needed of ["mesh-us_east_blue-tables", "mesh-us_east_blue-repl-role", "mesh-edge_la-repl-password"]) {
                assert.ok(la.includes(urn(needed)), `edge_la bundle depends on ${needed}`);
            }
            for (const unrelated of ["mesh-eu_central-tables", "mesh-eu_central-repl-role", "mesh-us_east_green-tables", "mesh-edge_fra-replication"]) {
                assert.ok(!la.includes(urn(unrelated)), `edge_la bundle does not depend on ${unrelated}`);
            }
            const fra = byName(result, "mesh-edge_fra-replication").dependencies;
            assert.ok(fra.includes(urn("mesh-eu_central-tables")), "edge_fra bundle depends on the eu_central tables its subscription writes to");
            assert.ok(!fra.includes(urn("mesh-us_east_blue-tables")));
        });

        it("gives each connection once per bundle, secret, and names it from the items", () => {
            const expectedConnections: Record<string, string[]> = {
                edge_la: ["admin_edge_la", "admin_us_east_blue", "login_edge_la", "login_us_east_blue"],
                edge_fra: ["admin_edge_fra", "admin_eu_central", "login_edge_fra"],
            };
            for (const [edge, names] of Object.entries(expectedConnections)) {
                const bundle = byName(result, `mesh-${edge}-replication`);
                const connections = bundle.inputs.connections as Record<string, unknown>;
                assert.deepStrictEqual(Object.keys(connections).sort(), names);
                assert.ok(Object.values(connections).every((c) => c === "[secret]"), "every shared connection is secret");
                // Secret: the shared connections and each role's password; no connection is repeated inside an item.
                const roleIndex = itemsOf(result, edge).findIndex((i) => i.kind === "role");
                assert.deepStrictEqual(bundle.secretPaths.sort(),
                    [...names.map((n) => `connections.${n}`), `items[${roleIndex}].inputs.password`].sort());
                for (const item of itemsOf(result, edge)) {
                    assert.ok(!("connection" in item.inputs) && !("publisher" in item.inputs) && !("publisherAdmin" in item.inputs), `${item.key} repeats no connection`);
                }
            }
            const sub = itemsOf(result, "edge_la").find((i) => i.key === "sub:mesh_edge_la_to_us_east_blue") as Item & { connections: Record<string, string> };
            assert.deepStrictEqual(sub.connections, { connection: "admin_us_east_blue", publisher: "login_edge_la", publisherAdmin: "admin_edge_la" });
            const master = itemsOf(result, "edge_la").find((i) => i.key === "sub:mesh_us_east_blue_to_edge_la") as Item & { connections: Record<string, string> };
            assert.deepStrictEqual(master.connections, { connection: "admin_edge_la", publisher: "login_us_east_blue", publisherAdmin: "admin_us_east_blue" });
            const json = JSON.stringify(result);
            for (const secret of [ADMIN_PASSWORD, REPL_PASSWORD, "mock-password-mesh-edge_la-repl-password", "mock-password-mesh-edge_fra-repl-password"]) {
                assert.ok(!json.includes(secret), `"${secret}" appears in the synth result`);
            }
        });

        it("an offline edge: its objects are frozen items; subscriptions on regional nodes reading from it are disabled, not frozen", async () => {
            const offline = await synthMesh({ nodes: nodes().map((n) => (n.name === "edge_la" ? { ...n, offline: true } : n)), flows: goodFlows(), bundleEdges: true });
            const la = itemsOf(offline, "edge_la");
            assert.deepStrictEqual(la.map((i) => [i.key, i.frozen, i.kind === "subscription" ? i.inputs.enabled : "-"]), [
                ["tables", true, "-"],
                ["role", true, "-"],
                ["pub:mesh_edge_la_to_us_east_blue", true, "-"],
                ["pub:mesh_us_east_blue_to_edge_la", false, "-"], // on us_east_blue, online
                ["sub:mesh_edge_la_to_us_east_blue", false, false], // on us_east_blue, reading from the offline edge
                ["sub:mesh_us_east_blue_to_edge_la", true, true], // on the offline edge
            ]);
            // The bundle itself is not frozen as a whole (the regional items must still converge), and edge_fra is untouched.
            const bundle = byName(offline, "mesh-edge_la-replication");
            assert.deepStrictEqual([bundle.ignoreChanges, bundle.retainOnDelete], [[], false]);
            assert.ok(itemsOf(offline, "edge_fra").every((i) => i.frozen === false));
        });

        it("refuses duplicate item keys in a ReplicationBundle before registering anything", async () => {
            const { ReplicationBundle } = await import("../../components/replication/bundle");
            await assert.rejects(synthesize({ project: "agogsaas", stack: "bundle-bad", program: () => {
                new ReplicationBundle("b", { bundleName: "b", items: [
                    { key: "tables", kind: "tables", inputs: { connection: conn("x"), tables: ["orders"] } },
                    { key: "tables", kind: "role", inputs: {} },
                ] });
            } }), (err: unknown) => {
                assert.ok(err instanceof SynthError);
                assert.match(err.message, /replication bundle: items\[1\]\.key "tables" is used twice/);
                assert.strictEqual(err.partial.resources.length, 0);
                return true;
            });
        });
    });

    it("accepts a ring of two-way pairs between three regions (origin none everywhere)", async () => {
        const regions: MeshNode[] = [
            { name: "us_east", zone: "us", role: "regional", connection: conn("us") },
            { name: "eu_central", zone: "eu", role: "regional", connection: conn("eu") },
            { name: "apac", zone: "apac", role: "regional", connection: conn("apac") },
        ];
        const pairs: [string, string][] = [["us_east", "eu_central"], ["eu_central", "apac"], ["apac", "us_east"]];
        const flows = pairs.flatMap(([a, b]) => [{ from: a, to: b, tables: ["inventory_snapshots"] }, { from: b, to: a, tables: ["inventory_snapshots"] }]);
        const result = await synthMesh({ nodes: regions, flows });
        const subs = result.resources.filter((r) => r.name.endsWith("-sub"));
        assert.strictEqual(subs.length, 6);
        assert.ok(subs.every((s) => s.inputs.origin === "none"));
        assert.strictEqual(subs.filter((s) => s.inputs.copyData === false).length, 3, "one direction of each pair skips the initial copy");
    });

    it("PostgresDatabase refuses a bad name before registering, and keeps its connection secret", async () => {
        await assert.rejects(synthesize({ project: "p", stack: "db1", program: () => {
            new PostgresDatabase("db", { connection: conn("rds"), databaseName: "green; DROP DATABASE blue" });
        } }), (err: unknown) => err instanceof SynthError && /^databaseName: .* is not a plain SQL identifier/.test(err.message) && err.partial.resources.length === 0);
        const ok = await synthesize({ project: "p", stack: "db2", program: () => {
            new PostgresDatabase("db", { connection: conn("rds"), databaseName: "app_green" });
        } });
        assert.deepStrictEqual(ok.resources[0].secretPaths, ["connection"]);
        assert.ok(!JSON.stringify(ok).includes(ADMIN_PASSWORD));
    });

    it("keeps a password secret even when given as a plain string", async () => {
        const plain = nodes().map((n) => ({ ...n, connection: conn(String((n.connection as { host: string }).host), "plain-PASSWORD-given") }));
        const result = await synthMesh({ nodes: plain, flows: [goodFlows()[0]] });
        assert.ok(!JSON.stringify(result).includes("plain-PASSWORD-given"));
    });
});
