import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ValidationError } from "../components/shared/errors";
import { Topology, topologyToMermaid } from "../stacks/topology-model";
import { step } from "../tools/synth/steps/topology";
import type { SynthResult } from "../tools/synth/mock-runtime";

const OPERATIONAL = ["orders", "inventory_transactions", "production_logs", "quality_inspections"];
const MASTER = ["customers", "products", "product_prices"];
const AGGREGATE = ["inventory_snapshots", "facility_status"];

/** us-east as a regional stack sees it: two facilities (Dallas offline), blue/green, an EU peer. */
function usEast(): Topology {
    return {
        title: "us-east",
        nodes: [
            { id: "gateway-us-east", label: "Federation gateway", tier: "global", zone: "us", detail: "Hive Gateway" },
            { id: "us-east/blue", tier: "regional", zone: "us", detail: "RDS PostgreSQL 16 (active)" },
            { id: "us-east/green", tier: "regional", zone: "us" },
            { id: "facility-la-001", label: "LA \"main\" plant", tier: "edge", zone: "us", detail: "medium" },
            { id: "facility-dal-001", tier: "edge", zone: "us", offline: true },
            { id: "eu-central/blue", tier: "regional", zone: "eu" },
        ],
        flows: [
            { from: "facility-la-001", to: "us-east/blue", tables: OPERATIONAL, filter: { column: "facility_id", equals: "facility-la-001" } },
            { from: "us-east/blue", to: "facility-la-001", tables: MASTER, filter: "tenant_id = 'tenant-foo-inc'" },
            { from: "facility-dal-001", to: "us-east/blue", tables: OPERATIONAL, filter: { column: "facility_id", equals: "facility-dal-001" }, disabled: true },
            { from: "us-east/blue", to: "us-east/green", tables: [...OPERATIONAL, ...MASTER] },
            { from: "us-east/blue", to: "eu-central/blue", tables: AGGREGATE },
        ],
    };
}

const lines = (mmd: string) => mmd.split("\n");

describe("topology diagram (Mermaid)", () => {
    const mmd = topologyToMermaid(usEast());

    it("draws zones as outer subgraphs and tiers inside them, only for zones present", () => {
        assert.ok(mmd.startsWith("---\ntitle: us-east\n---\nflowchart TB\n"));
        assert.ok(mmd.includes('subgraph zone_us["Zone us: United States"]'));
        assert.ok(mmd.includes('subgraph zone_eu["Zone eu: European Union / EEA (GDPR)"]'));
        assert.ok(!mmd.includes("zone_apac"));
        const l = lines(mmd);
        const zoneUs = l.findIndex((x) => x.includes("subgraph zone_us"));
        const zoneEu = l.findIndex((x) => x.includes("subgraph zone_eu"));
        const [global, regional, edge] = ["global", "regional", "edge"].map((t) => l.findIndex((x) => x.includes(`subgraph tier_us_${t}`)));
        assert.ok(zoneUs < global && global < regional && regional < edge && edge < zoneEu, "tiers nested in their zone, global first");
        // Balanced blocks: every subgraph has its end.
        assert.strictEqual(l.filter((x) => /^\s*subgraph /.test(x)).length, l.filter((x) => /^\s*end$/.test(x)).length);
    });

    it("draws databases as cylinders, the gateway as a hexagon, escapes labels, marks offline facilities", () => {
        assert.ok(mmd.includes('n_gateway_us_east{{"Federation gateway<br/>Hive Gateway"}}'));
        assert.ok(mmd.includes('n_us_east_blue[("us-east/blue<br/>RDS PostgreSQL 16 (active)")]'));
        assert.ok(mmd.includes('n_facility_la_001[("LA #quot;main#quot; plant<br/>medium")]'));
        assert.ok(mmd.includes('n_facility_dal_001[("facility-dal-001<br/>OFFLINE")]'));
        assert.ok(mmd.includes("class n_facility_dal_001 offline"));
    });

    it("labels flows with their tables and filter; dotted when disabled, thick across zones", () => {
        assert.ok(mmd.includes(`n_facility_la_001 -->|"${OPERATIONAL.join(", ")}<br/>where facility_id = 'facility-la-001'"| n_us_east_blue`));
        assert.ok(mmd.includes(`n_us_east_blue -->|"${MASTER.join(", ")}<br/>where tenant_id = 'tenant-foo-inc'"| n_facility_la_001`));
        assert.ok(mmd.includes(`n_facility_dal_001 -.->|"${OPERATIONAL.join(", ")}<br/>where facility_id = 'facility-dal-001'<br/>(disabled)"| n_us_east_blue`));
        assert.ok(mmd.includes(`n_us_east_blue ==>|"inventory_snapshots, facility_status"| n_eu_central_blue`));
        assert.ok(mmd.includes("linkStyle 4 stroke:#06c,stroke-width:2px"));
        assert.ok(!mmd.includes("VIOLATION"));
    });

    it("never hides a cross-zone flow of personal data: red and labelled", () => {
        const bad = usEast();
        bad.flows.push({ from: "us-east/blue", to: "eu-central/blue", tables: ["orders"] });
        const drawn = topologyToMermaid(bad);
        assert.ok(drawn.includes(`n_us_east_blue ==>|"orders<br/>SOVEREIGNTY VIOLATION"| n_eu_central_blue`));
        assert.ok(drawn.includes("linkStyle 5 stroke:#d00,stroke-width:3px"));
    });

    it("is a function of plain JSON (what a stack output carries)", () => {
        assert.strictEqual(topologyToMermaid(JSON.parse(JSON.stringify(usEast())) as Topology), mmd);
    });

    it("rejects an inconsistent description, naming the field", () => {
        const cases: [(t: Topology) => void, RegExp][] = [
            [(t) => t.flows.push({ from: "facility-la-001", to: "us-west/blue", tables: ["orders"] }), /^topology\.flows\[5\]\.to: unknown node "us-west\/blue"/],
            [(t) => t.nodes.push({ ...t.nodes[0] }), /^topology\.nodes\[6\]\.id: duplicate node id "gateway-us-east"/],
            [(t) => (t.nodes[1].zone = "mars" as never), /^topology\.nodes\[1\]\.zone: unknown sovereignty zone "mars"/],
            [(t) => (t.nodes[1].tier = "cloud" as never), /^topology\.nodes\[1\]\.tier: unknown tier "cloud"\. Allowed: "global", "regional" or "edge"/],
            [(t) => (t.flows[0].tables = []), /^topology\.flows\[0\]\.tables: a flow carries at least one table/],
        ];
        for (const [mutate, message] of cases) {
            const t = usEast();
            mutate(t);
            assert.throws(() => topologyToMermaid(t), (err: unknown) => err instanceof ValidationError && message.test(err.message));
        }
    });

    it("the synth step writes <stack>.mmd from the stack's topology output, and skips stacks without one", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "topology-"));
        try {
            const logs: string[] = [];
            const context = (outputs: Record<string, unknown>) => ({
                stack: "us-east", outFile: path.join(dir, "us-east.json"), outDir: dir, projectDir: dir, options: {},
                result: { project: "agogsaas", stack: "us-east", resources: [], outputs, secretOutputs: [] } as SynthResult,
                log: (line: string) => logs.push(line),
            });
            await step.run(context({}));
            assert.ok(!fs.existsSync(path.join(dir, "us-east.mmd")));
            assert.match(logs[0], /exports no `topology` output/);
            // The local stack's output is its mesh's topology (nodes by name): no diagram, no failure.
            const mesh = { nodes: [{ name: "edge_la", zone: "us", role: "edge", host: "127.0.0.1", port: 5432, database: "d", user: "u" }], flows: [] };
            await step.run(context({ topology: mesh }));
            assert.ok(!fs.existsSync(path.join(dir, "us-east.mmd")));
            assert.match(logs[1], /exports a replication mesh topology, not a stack topology/);
            await step.run(context({ topology: usEast() }));
            assert.strictEqual(fs.readFileSync(path.join(dir, "us-east.mmd"), "utf8"), mmd);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
