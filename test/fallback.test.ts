/**
 * Cloud fallback at program time (components/fallback): the mesh rewrite, the FacilityFallback
 * component, and the `mode` settings of the regional and local stacks, under the mock runtime.
 * The data side runs for real in test/dr/fallback.test.ts.
 */
import * as assert from "assert";
import { SovereigntyError, ValidationError } from "../components/shared/errors";
import { FacilityFallback } from "../components/fallback/facility-fallback";
import { assertFacilityMode, fallbackNodeName, fallbackPlan } from "../components/fallback/plan";
import { ReplicationMesh } from "../components/replication/replication-mesh";
import type { MeshFlow, MeshNode } from "../components/replication/args";
import { planRegional } from "../stacks/regional";
import { parseStackConfig } from "../stacks/config";
import { parseLocalConfig } from "../stacks/local";
import { parseLocalPartConfig } from "../stacks/local-parts";
import { edgeNodeName } from "../stacks/mesh";
import { synthesize } from "../tools/synth/mock-runtime";
import { runStack } from "../stacks/program";
import { Config, configOf, editObject } from "./support/stack-config";

const conn = (database: string) => ({ host: "127.0.0.1", port: 5432, database, user: "postgres", password: "pw" });
const NODES: MeshNode[] = [
    { name: "edge_la", zone: "us", role: "edge", connection: conn("factory") },
    { name: "us_east_blue", zone: "us", role: "regional", connection: conn("app_blue"), server: "us_east" },
];
const FLOWS: MeshFlow[] = [
    { from: "edge_la", to: "us_east_blue", tables: ["orders"], rowFilter: { column: "facility_id", equals: "facility-la-001" } },
    { from: "us_east_blue", to: "edge_la", tables: ["products"], rowFilter: { column: "tenant_id", equals: "acme" } },
];
const workspace = (overrides: Partial<MeshNode> = {}): MeshNode =>
    ({ name: "edge_la_fallback", zone: "us", role: "edge", connection: conn("edge_la_fallback"), server: "us_east", ...overrides });

function refuses(fn: () => unknown, type: typeof ValidationError, field: string, pattern: RegExp): void {
    assert.throws(fn, (error: unknown) => {
        assert.ok(error instanceof type, `a ${type.name}, got ${String(error)}`);
        assert.strictEqual((error as ValidationError).field, field);
        assert.match((error as Error).message, pattern);
        return true;
    });
}

describe("cloud fallback: the mesh rewrite (fallbackPlan)", () => {
    it("freezes the edge and gives its workspace every flow of the edge (nothing copied to the subscribers)", () => {
        const plan = fallbackPlan("mode", NODES, FLOWS, "edge_la", workspace());
        assert.strictEqual(plan.nodes.find((n) => n.name === "edge_la")?.offline, true);
        assert.deepStrictEqual(plan.nodes.map((n) => n.name), ["edge_la", "us_east_blue", "edge_la_fallback"]);
        assert.deepStrictEqual(plan.flows.slice(2), [
            { ...FLOWS[0], from: "edge_la_fallback", options: { copyData: false } },
            { ...FLOWS[1], to: "edge_la_fallback" },
        ]);
        // The original flows stay (their objects on the lost edge are frozen, not deleted).
        assert.deepStrictEqual(plan.flows.slice(0, 2), FLOWS);
        assert.strictEqual(NODES[0].offline, undefined, "the input is not modified");
    });

    it("refuses a workspace outside the facility's zone as a sovereignty violation", () => {
        refuses(() => fallbackPlan("facilities[0].mode", NODES, FLOWS, "edge_la", workspace({ zone: "eu" })),
            SovereigntyError, "facilities[0].mode", /would be in zone "eu", the facility's data is zone "us"/);
    });

    it("refuses an unknown edge, a regional node, a misnamed or non-edge workspace, an edge without flows", () => {
        refuses(() => fallbackPlan("m", NODES, FLOWS, "edge_xx", workspace()), ValidationError, "m", /no mesh node "edge_xx".*Allowed: "edge_la"/);
        refuses(() => fallbackPlan("m", NODES, FLOWS, "us_east_blue", workspace()), ValidationError, "m", /not an edge this stack manages/);
        refuses(() => fallbackPlan("m", NODES, FLOWS, "edge_la", workspace({ name: "cloud_la" })), ValidationError, "m", /must be named "edge_la_fallback"/);
        refuses(() => fallbackPlan("m", NODES, FLOWS, "edge_la", workspace({ role: "regional" })), ValidationError, "m", /must be an edge-role node/);
        refuses(() => fallbackPlan("m", NODES, [], "edge_la", workspace()), ValidationError, "m", /has no flows/);
    });

    it("refuses an unknown mode, naming the field and the modes allowed", () => {
        refuses(() => assertFacilityMode("agogsaas:facilities[0].mode", "burning"), ValidationError, "agogsaas:facilities[0].mode", /"burning" is not a facility mode\. Allowed: "edge", "fallback" or "return"/);
        assert.strictEqual(assertFacilityMode("x", "return"), "return");
    });
});

describe("cloud fallback: FacilityFallback refuses bad args before anything is registered", () => {
    let registered: string[] = [];
    const withMesh = async (fn: (mesh: ReplicationMesh) => void) => {
        await synthesize({
            project: "agogsaas", stack: "test", config: {},
            program: async () => {
                const plan = fallbackPlan("mode", NODES, FLOWS, "edge_la", workspace());
                const mesh = new ReplicationMesh("m", { nodes: plan.nodes, flows: plan.flows });
                fn(mesh);
                return {};
            },
        }).then((result) => { registered = result.resources.map((r) => r.type); });
    };

    for (const [name, args, field, pattern] of [
        ["mode edge", { mode: "edge", node: "edge_la_fallback" }, "mode", /mode "edge" needs no FacilityFallback/],
        ["fallback seeding the edge", { mode: "fallback", node: "edge_la" }, "node", /not a fallback workspace/],
        ["return seeding the workspace", { mode: "return", node: "edge_la_fallback", workspace: conn("w") }, "node", /is the workspace; return mode seeds the edge/],
        ["return without the workspace", { mode: "return", node: "edge_la" }, "node", /is offline|workspace/],
        ["fallback given a workspace", { mode: "fallback", node: "edge_la_fallback", workspace: conn("w") }, "workspace", /only return mode drains a workspace/],
        ["a login that is not an identifier", { mode: "fallback", node: "edge_la_fallback", login: { user: "Bad-User", password: "x" } }, "login.user", /Bad-User/],
        ["a fallback login without password", { mode: "fallback", node: "edge_la_fallback", login: { user: "edge_la_app" } }, "login.password", /missing/],
        ["an unknown node", { mode: "fallback", node: "edge_zz" }, "node", /not an edge-role node.*Allowed/],
    ] as const) {
        it(name, async () => {
            let thrown: unknown;
            await withMesh((mesh) => {
                try {
                    new FacilityFallback("la", { ...(args as object), mesh } as never);
                } catch (error) {
                    thrown = error;
                }
            });
            assert.ok(thrown instanceof ValidationError, `refused, got ${String(thrown)}`);
            assert.strictEqual(thrown.field, `FacilityFallback la: ${field}`);
            assert.match(thrown.message, pattern);
            assert.ok(!registered.includes("agogsaas:fallback:FacilityFallback"), "nothing of the component registered");
        });
    }

    it("fallback mode registers one seeding, after the mesh, with the login secret and a URL without password", async () => {
        let url: string | undefined;
        const result = await synthesize({
            project: "agogsaas", stack: "test", config: {},
            program: async () => {
                const plan = fallbackPlan("mode", NODES, FLOWS, "edge_la", workspace());
                const mesh = new ReplicationMesh("m", { nodes: plan.nodes, flows: plan.flows });
                const fb = new FacilityFallback("la", { mode: "fallback", mesh, node: "edge_la_fallback", login: { user: "edge_la_app", password: "s3cret-pw" }, publicHost: "db.us-east.example.com" });
                fb.url!.apply((u) => { url = u; });
                return {};
            },
        });
        const seeds = result.resources.filter((r) => r.name === "la-fallback-seed");
        assert.strictEqual(seeds.length, 1);
        const seed = seeds[0];
        assert.strictEqual(seed.type, "agogsaas:fallback:FacilitySeed");
        // The regional admin connections and the login are secret inputs (the subscriber list with them).
        for (const key of ["connection", "subscribers", "login"]) assert.ok(seed.secretPaths.some((p) => p === key || p.startsWith(`${key}.`)), `${key} secret: ${seed.secretPaths.join(", ")}`);
        assert.strictEqual(seed.inputs.drain, null, "fallback mode drains nothing");
        // dependsOn the mesh = on every child of it: the workspace's subscriptions exist before the seeding.
        assert.ok(seed.dependencies.some((urn) => urn.endsWith("::m-mesh_edge_la_fallback_to_us_east_blue-sub")), `depends on the mesh: ${seed.dependencies.join(", ")}`);
        assert.strictEqual(url, "postgres://edge_la_app@db.us-east.example.com:5432/edge_la_fallback");
        assert.ok(!JSON.stringify(url).includes("s3cret-pw"));
    });
});

describe("cloud fallback: the stacks' mode settings", () => {
    const regional = (edit: (c: Config) => void) => planRegional(parseStackConfig(configOf("us-east", edit), "us-east"));
    const mode = (index: number, value: unknown) => (c: Config) => editObject<Record<string, unknown>[]>(c, "agogsaas:facilities", (fs) => { fs[index].mode = value; });

    it("facilities[i].mode fallback adds the workspace node on the region's server and moves the facility's flows to it", () => {
        const plan = regional(mode(0, "fallback"));
        const edge = edgeNodeName("facility-la-001");
        const ws = plan.mesh.nodes.find((n) => n.name === fallbackNodeName(edge));
        assert.ok(ws, "workspace node");
        assert.strictEqual(ws.server, "us_east");
        assert.strictEqual(plan.mesh.nodes.find((n) => n.name === edge)?.offline, true);
        const moved = plan.mesh.flows.filter((f) => f.from === ws.name || f.to === ws.name).map((f) => `${f.from}->${f.to}`).sort();
        assert.deepStrictEqual(moved, [`edge_la_001_fallback->us_east_blue`, `edge_la_001_fallback->us_east_green`, `us_east_blue->edge_la_001_fallback`]);
        assert.strictEqual(plan.edgeSites.find((s) => s.facility.id === "facility-la-001")?.args.offline, true, "the lost site is frozen");
    });

    it("an unknown mode is refused naming the facility's key", () => {
        assert.throws(() => regional(mode(1, "burnt")), (e: unknown) => e instanceof ValidationError && e.field === "agogsaas:facilities[1].mode" && /Allowed: "edge", "fallback" or "return"/.test(e.message));
    });

    it("the shipped us-east stack synthesizes with a facility in fallback: workspace database, seeding, fallback output", async () => {
        const result = await synthesize({ project: "agogsaas", stack: "us-east", config: configOf("us-east", mode(0, "fallback")), program: runStack });
        const names = result.resources.map((r) => r.name);
        assert.ok(names.includes("fallback-facility-la-001-fallback-seed"), "seeding registered");
        assert.ok(result.resources.some((r) => JSON.stringify(r.inputs).includes("edge_la_001_fallback")), "the workspace database is created");
        const fallback = result.outputs.fallback as Record<string, { mode: string; url: string }>;
        assert.strictEqual(fallback["facility-la-001"].mode, "fallback");
        assert.match(fallback["facility-la-001"].url, /^postgres:\/\/edge_la_001_app@.*\/edge_la_001_fallback$/);
    });

    it("the local stack: localEdgeModes parsed, bad values and a split stack refused", () => {
        const raw = (modes: unknown, extra: Record<string, string> = {}) => ({
            "agogsaas:localServers": JSON.stringify({ edge_la: 50001, edge_fra: 50002, us_east: 50003, eu_central: 50004 }),
            "agogsaas:localEdgeModes": JSON.stringify(modes), ...extra,
        });
        assert.deepStrictEqual(parseLocalConfig(raw({ edge_la: "fallback" })).edgeModes, { edge_la: "fallback" });
        assert.throws(() => parseLocalConfig(raw({ edge_la: "gone" })), (e: unknown) => e instanceof ValidationError && e.field === "agogsaas:localEdgeModes.edge_la");
        assert.throws(() => parseLocalConfig(raw({ edge_rome: "fallback" })), (e: unknown) => e instanceof ValidationError && /edge_rome/.test(e.message));
        const split = raw({ edge_la: "fallback" }, { "agogsaas:localPart": "edge-la", "agogsaas:zone": "us", "agogsaas:cloud": "aws", "agogsaas:region": "us-east-1" });
        assert.throws(() => parseLocalPartConfig(split, parseLocalConfig(split)), (e: unknown) => e instanceof ValidationError && e.field === "agogsaas:localEdgeModes.edge_la" && /one stack/.test(e.message));
    });
});
