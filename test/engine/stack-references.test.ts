/**
 * Engine test 7: local stacks joined by real `pulumi.StackReference`s on one file backend
 * (stacks/local-parts.ts): an edge stack (`local-edge-fra`), the eu-central region reading its
 * factory from it (`local-eu`), and us-east (`local-us`) peering with eu-central both ways for
 * aggregates. Rows cross as the contracts say; every value read from another stack that
 * contradicts this stack's config is refused with the config key, the declared value and the
 * other stack's, before anything changes.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOCAL_SERVERS, LocalServer } from "../../stacks/local";
import { FACILITY_FRA, NODES } from "../../stacks/local-topology";
import { DemoEnvironment, startDemoEnvironment } from "../../tools/demo/environment";
import { waitUntil } from "../../tools/demo/wait";
import { countWhere, snapshotInventory, takeOrders } from "../../tools/demo/workload";
import { LocalStack, writeStackFileVariant } from "../../tools/engine/local-stack";
import { leftovers, summaryOf } from "../support/local-engine";

const reference = (stack: string) => `organization/agogsaas/${stack}`;

describe("real engine: stacks joined by StackReference (edge ↔ region, region ↔ peer region)", function () {
    this.timeout(600_000);
    let env: DemoEnvironment;
    let dir: string;
    /** Each stack and its current config (what `up` deploys); `file(changes)` writes a variant of it. */
    const stacks = new Map<string, { stack: LocalStack; settings: Record<string, unknown>; file: (changes?: Record<string, unknown>) => string }>();

    /** A local stack of one part, its config = Pulumi.local.yaml with this run's ports and `settings`. */
    const part = async (name: string, settings: Record<string, unknown>) => {
        const ports = Object.fromEntries(LOCAL_SERVERS.map((server) => [server, env.server(server).port])) as Record<LocalServer, number>;
        let variants = 0;
        const entry = {
            stack: undefined as unknown as LocalStack,
            settings: { "agogsaas:localServers": ports, ...settings } as Record<string, unknown>,
            file: (changes: Record<string, unknown> = {}) => writeStackFileVariant(path.join(dir, `${name}-${variants++}.yaml`), { ...entry.settings, ...changes }),
        };
        entry.stack = new LocalStack({ stateDir: path.join(dir, "state"), password: env.password, configFile: entry.file(), stack: name });
        await entry.stack.init();
        stacks.set(name, entry);
    };
    const get = (name: string) => stacks.get(name)!;
    const up = (name: string) => get(name).stack.up([], { configFile: get(name).file() });
    const usPeerOfEu = { stack: "us-east", zone: "us", cloud: "aws", region: "us-east-1", tables: ["inventory_snapshots"], stackReference: reference("local-us") };
    const euPeerOfUs = { stack: "eu-central", zone: "eu", cloud: "azure", region: "germanywestcentral", tables: ["inventory_snapshots"], stackReference: reference("local-eu") };
    const eu = { "agogsaas:localPart": "eu-central", "agogsaas:zone": "eu", "agogsaas:cloud": "azure", "agogsaas:region": "germanywestcentral", "agogsaas:publicHostname": "eu-central.localhost" };

    before(async () => {
        env = await startDemoEnvironment(undefined, { createDatabases: false });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-engine-refs-"));
        await part("local-edge-fra", { "agogsaas:localPart": "edge-fra", "agogsaas:zone": "eu", "agogsaas:cloud": "azure", "agogsaas:region": "germanywestcentral" });
        await part("local-edge-la", { "agogsaas:localPart": "edge-la" });
        await part("local-eu", { ...eu, "agogsaas:localEdgeStack": reference("local-edge-fra") });
        await part("local-us", { "agogsaas:localPart": "us-east", "agogsaas:peers": [euPeerOfUs] });
    });
    after(async () => {
        // eu-central unsubscribes from us-east first, then each stack goes; the servers must be left clean.
        try {
            if (stacks.has("local-eu") && (await get("local-eu").stack.urns().catch(() => [])).length > 0) {
                delete get("local-eu").settings["agogsaas:peers"];
                await up("local-eu").catch((err) => console.error(String(err).slice(-2000)));
            }
            for (const name of ["local-us", "local-eu", "local-edge-fra", "local-edge-la"]) {
                const stack = stacks.get(name)?.stack;
                if (stack && (await stack.urns().catch(() => [])).length > 0) await stack.destroy().catch((err) => console.error(String(err).slice(-2000)));
            }
            assert.deepStrictEqual(await leftovers(env), [], "destroy left something on a server");
        } finally {
            await env?.destroy();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("7a. deploys in dependency order, each stack reading the others' outputs; rows cross as declared", async () => {
        for (const name of ["local-edge-fra", "local-edge-la", "local-eu", "local-us"]) await up(name);
        // eu-central subscribes to us-east once us-east exists (a new peer subscribes first).
        get("local-eu").settings["agogsaas:peers"] = [usPeerOfEu];
        const peered = await up("local-eu");
        assert.strictEqual(summaryOf(peered.stdout).deleted, undefined, peered.stdout.slice(-1500));

        // The factory from its edge stack: its orders reach eu-central (the region's mesh made the objects on the edge's database).
        await takeOrders(env.admin[NODES.edgeFra], FACILITY_FRA, "REF", 20, 10);
        const orders = await waitUntil(() => countWhere(env.admin[NODES.euCentral], "orders", "facility_id", FACILITY_FRA), (n) => n === 20, { timeoutMs: 60_000 });
        assert.strictEqual(orders.value, 20);

        // Aggregates both ways, each region's own rows only (row filter region = <peer>).
        await snapshotInventory(env.admin[NODES.euCentral], "eu-central", FACILITY_FRA, "p-ref-eu", 7);
        await snapshotInventory(env.admin[NODES.blue], "us-east", "facility-la-001", "p-ref-us", 9);
        for (const node of [NODES.blue, NODES.green]) {
            const seen = await waitUntil(() => countWhere(env.admin[node], "inventory_snapshots", "product_id", "p-ref-eu"), (n) => n === 1, { timeoutMs: 60_000 });
            assert.strictEqual(seen.value, 1, `eu-central's snapshot in ${node}`);
        }
        const inEu = await waitUntil(() => countWhere(env.admin[NODES.euCentral], "inventory_snapshots", "product_id", "p-ref-us"), (n) => n === 1, { timeoutMs: 60_000 });
        assert.strictEqual(inEu.value, 1, "us-east's snapshot in eu-central");
        // No personal or operational row crossed: eu-central's orders are not in us-east.
        assert.strictEqual(await countWhere(env.admin[NODES.blue], "orders", "facility_id", FACILITY_FRA), 0);

        for (const name of stacks.keys()) await get(name).stack.preview(["--expect-no-changes"], { configFile: get(name).file() });
    });

    /** A preview of `name` with changed config: refused with `message`, non-zero exit. */
    const refused = async (name: string, changes: Record<string, unknown>, message: string) => {
        const { stack, file } = get(name);
        const run = await stack.run(["preview"], ["--non-interactive"], { configFile: file(changes) });
        const output = `${run.stdout}\n${run.stderr}`;
        assert.notStrictEqual(run.code, 0, output.slice(-2000));
        assert.ok(output.includes(message), `expected «${message}» in:\n${output.slice(-2500)}`);
    };
    const peerOfUs = (fields: Record<string, unknown>) => ({ "agogsaas:peers": [{ ...euPeerOfUs, ...fields }] });

    it("7b. a peer declared with a zone that contradicts the peer stack's outputs is refused: key, declared, peer's value", async () => {
        const { cloud: _c, region: _r, ...undeclared } = euPeerOfUs;
        await refused("local-us", { "agogsaas:peers": [{ ...undeclared, zone: "apac" }] },
            `agogsaas:peers[0].zone is "apac" but stack "${reference("local-eu")}" exports peering.zone "eu"`);
    });

    it("7c. … a region, a cloud, a table list or a stack name that contradicts it", async () => {
        await refused("local-us", peerOfUs({ region: "westeurope" }),
            `agogsaas:peers[0].region is "westeurope" but stack "${reference("local-eu")}" exports peering.region "germanywestcentral"`);
        await refused("local-us", peerOfUs({ cloud: "aws", region: "eu-central-1" }),
            `agogsaas:peers[0].cloud is "aws" but stack "${reference("local-eu")}" exports peering.cloud "azure"`);
        await refused("local-us", peerOfUs({ tables: ["inventory_snapshots", "facility_status"] }),
            `agogsaas:peers[0].tables is ["facility_status","inventory_snapshots"] but stack "${reference("local-eu")}" exports peering.tables ["inventory_snapshots"]`);
        await refused("local-us", peerOfUs({ stack: "eu-west" }),
            `agogsaas:peers[0].stack is "eu-west" but stack "${reference("local-eu")}" exports peering.stack "eu-central"`);
    });

    it("7d. a region whose edge stack contradicts its config is refused: the facility, the zone", async () => {
        await refused("local-eu", { "agogsaas:localEdgeFacilities": { edge_fra: ["facility-fra-002"] } },
            `agogsaas:localEdgeFacilities.edge_fra (default: ["${FACILITY_FRA}"]) is "facility-fra-002" but edge stack "${reference("local-edge-fra")}" exports facilityId "${FACILITY_FRA}"`);
        await refused("local-eu", { "agogsaas:localEdgeStack": reference("local-edge-la") },
            `agogsaas:zone is "eu" but edge stack "${reference("local-edge-la")}" exports zone "us"`);
    });

    it("7e. `pulumi up` with a contradiction changes nothing: same resources in state, rows still flowing", async () => {
        const { stack, file } = get("local-us");
        const before = await stack.urns();
        const { cloud: _c, region: _r, ...undeclared } = euPeerOfUs;
        const run = await stack.run(["up"], ["--yes", "--skip-preview", "--non-interactive"], { configFile: file({ "agogsaas:peers": [{ ...undeclared, zone: "apac" }] }) });
        assert.notStrictEqual(run.code, 0);
        assert.match(`${run.stdout}\n${run.stderr}`, /agogsaas:peers\[0\]\.zone is "apac" but stack "organization\/agogsaas\/local-eu" exports peering\.zone "eu"/);
        assert.deepStrictEqual(await stack.urns(), before);
        assert.deepStrictEqual(summaryOf(run.stdout).deleted, undefined);
        await snapshotInventory(env.admin[NODES.euCentral], "eu-central", FACILITY_FRA, "p-ref-after", 3);
        const seen = await waitUntil(() => countWhere(env.admin[NODES.blue], "inventory_snapshots", "product_id", "p-ref-after"), (n) => n === 1, { timeoutMs: 60_000 });
        assert.strictEqual(seen.value, 1);
    });
});
