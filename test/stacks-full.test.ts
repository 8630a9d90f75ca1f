/**
 * The regional stacks wire all five components: per facility and per peer the expected
 * replication flows (with their row filters), nothing personal or non-aggregate across zones, the
 * offline facility frozen with its subscription disabled, the single-facility edge stack, the
 * separate-stack fleet mode and the read-only federation gateway. Real Pulumi.<stack>.yaml files,
 * the real program, the mock runtime.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Kind, parse } from "graphql";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";
import { REDACTED, synthesize, SynthError, SynthResource, SynthResult } from "../tools/synth/mock-runtime";
import { Topology, topologyToMermaid } from "../stacks/topology-model";
import { runStack } from "../stacks/program";
import { Config, configOf, editObject } from "./support/stack-config";
import { parseStackConfig } from "../stacks/config";
import {
    AGGREGATE_TABLES, EDGE_REPLICATION, PEERING_DATABASE, colourNodeName, edgeCapacity, edgeNodeName, peeringNodeName,
    peeringPublicationName,
} from "../stacks/mesh";
import { planRegional } from "../stacks/regional";
import { TABLE_CATALOG, ZONES, mayCrossZones, tablesOfClass } from "../components/shared/sovereignty";
import { SovereigntyError, ValidationError } from "../components/shared/errors";
import { checkedPeering } from "../stacks/peers";
import { checkedEdgeStackOutputs, declaredFacility } from "../stacks/facility-endpoints";
import { isPgResourceType } from "../components/postgres/providers/resource-types";
import { unwrapSecrets } from "../provider/secret-wire";

const OPERATIONAL = tablesOfClass("operational").sort();
const MASTER = tablesOfClass("master").sort();
const AGGREGATE = tablesOfClass("aggregate").sort();




async function synth(stack: string, edit?: (config: Config) => void): Promise<SynthResult> {
    return synthesize({ project: "agogsaas", stack, config: configOf(stack, edit), program: runStack });
}

interface SubscriptionInputs {
    subscriptionName: string;
    tables: string[];
    publisherZone: string;
    subscriberZone: string;
    enabled: boolean;
    origin: string;
    copyData: boolean;
}

/** A publication or subscription of the mesh: a resource of its own, or an item of an edge's ReplicationBundle. */
interface MeshObject { name: string; inputs: Record<string, unknown>; frozen: boolean; resource: SynthResult["resources"][number] }
interface BundleItemView { key: string; kind: string; frozen: boolean; inputs: Record<string, unknown> }
const bundleItems = (x: SynthResult["resources"][number]) => x.inputs.items as BundleItemView[];
function meshObjects(r: SynthResult, kind: "publication" | "subscription"): MeshObject[] {
    const suffix = kind === "publication" ? "-pub" : "-sub";
    return r.resources.filter((x) => isPgResourceType(x.type)).flatMap((x): MeshObject[] => {
        if (x.name.endsWith(suffix)) return [{ name: x.name, inputs: x.inputs, frozen: (x.ignoreChanges ?? []).includes("*"), resource: x }];
        if (!x.name.endsWith("-replication")) return [];
        return bundleItems(x).filter((i) => i.kind === kind).map((i) => ({ name: `${x.name}/${i.key}`, inputs: i.inputs, frozen: i.frozen, resource: x }));
    });
}
const subscriptions = (r: SynthResult) => meshObjects(r, "subscription");
const publications = (r: SynthResult) => meshObjects(r, "publication");
const sub = (r: SynthResult, name: string) => subscriptions(r).find((s) => s.inputs.subscriptionName === name)?.inputs as SubscriptionInputs | undefined;
const pub = (r: SynthResult, name: string) => publications(r).find((p) => p.inputs.publicationName === name)?.inputs as { tables: string[]; rowFilter?: unknown } | undefined;
const flowName = (from: string, to: string) => `mesh_${from}_to_${to}`;

/** A flow a stack declares; `publication` when it subscribes to a peer's offered publication (created by the peer's stack). */
interface ExpectedFlow { tables: string[]; rowFilter?: unknown; publication?: string }

/** The flows a regional stack must have, computed from its config independently of stacks/mesh.ts. */
function expectedFlows(stack: string): Map<string, ExpectedFlow> {
    const config = parseStackConfig(configOf(stack), stack);
    const blue = colourNodeName(stack, "blue");
    const green = colourNodeName(stack, "green");
    const flows = new Map<string, ExpectedFlow>();
    flows.set(flowName(blue, green), { tables: [...MASTER, ...AGGREGATE].sort() });
    flows.set(flowName(green, blue), { tables: [...MASTER, ...AGGREGATE].sort() });
    for (const f of config.facilities) {
        const edge = edgeNodeName(f.id);
        for (const colour of [blue, green]) flows.set(flowName(edge, colour), { tables: OPERATIONAL, rowFilter: { column: "facility_id", equals: f.id } });
        flows.set(flowName(blue, edge), { tables: MASTER, rowFilter: { column: "tenant_id", equals: f.tenant } });
    }
    // Its own aggregate rows into its peering database; each peer's offered publication into both colours.
    flows.set(flowName(blue, `${stack.replace(/-/g, "_")}_peering`), { tables: AGGREGATE, rowFilter: { column: "region", equals: stack } });
    for (const p of config.peers) {
        for (const colour of [blue, green]) {
            flows.set(flowName(`${p.stack.replace(/-/g, "_")}_peering`, colour), {
                tables: AGGREGATE, rowFilter: { column: "region", equals: p.stack }, publication: `mesh_peering_${p.stack.replace(/-/g, "_")}`,
            });
        }
    }
    return flows;
}

/** Children (transitively) of a component, by URN. */
function descendants(r: SynthResult, urn: string): SynthResource[] {
    const out: SynthResource[] = [];
    const walk = (parent: string) => r.resources.filter((x) => x.parent === parent).forEach((x) => { out.push(x); walk(x.urn); });
    walk(urn);
    return out;
}

function component(r: SynthResult, type: string, name: string): SynthResource {
    const found = r.resources.find((x) => x.type === type && x.name === name);
    assert.ok(found, `${type} ${name}`);
    return found;
}

function supergraphOf(r: SynthResult): string {
    const gateway = component(r, "agogsaas:federation:FederationGateway", "federation");
    const configMap = descendants(r, gateway.urn).find((x) => x.type === "kubernetes:core/v1:ConfigMap");
    assert.ok(configMap, "gateway ConfigMap");
    const data = (configMap.inputs as { data: Record<string, string> }).data;
    const sdl = Object.entries(data).find(([file]) => file.endsWith(".graphql"))?.[1];
    assert.ok(sdl, `supergraph file among ${Object.keys(data).join(", ")}`);
    return sdl;
}

describe("stacks wire everything (mock runtime)", () => {
    const results: Record<string, SynthResult> = {};
    before(async () => {
        for (const stack of ["us-east", "eu-central", "apac"]) results[stack] = await synth(stack);
    });

    for (const stack of ["us-east", "eu-central", "apac"]) {
        describe(stack, () => {
            it("has exactly the expected flows per facility, per peer and between the colours, with their row filters", () => {
                const r = results[stack];
                const expected = expectedFlows(stack);
                assert.deepStrictEqual(subscriptions(r).map((s) => s.inputs.subscriptionName).sort(), [...expected.keys()].sort());
                assert.deepStrictEqual(r.outputs.meshSubscriptions, [...expected.keys()].sort(), "the meshSubscriptions output lists bundled subscriptions too");
                for (const [name, flow] of expected) {
                    assert.deepStrictEqual([...sub(r, name)!.tables].sort(), flow.tables, `${name} tables`);
                    if (flow.publication !== undefined) {
                        // The peer's stack created that publication: this stack only subscribes to it.
                        assert.deepStrictEqual((sub(r, name) as unknown as { publications: string[] }).publications, [flow.publication], `${name} publication`);
                        assert.strictEqual(pub(r, name), undefined, `no publication ${name} declared here`);
                        continue;
                    }
                    const publication = pub(r, name);
                    assert.ok(publication, `publication ${name}`);
                    assert.deepStrictEqual([...publication.tables].sort(), flow.tables, `${name} published tables`);
                    assert.deepStrictEqual(publication.rowFilter ?? undefined, flow.rowFilter, `${name} row filter`);
                }
            });

            it("keeps blue and green in step without loops: origin none both ways, one direction without initial copy", () => {
                const r = results[stack];
                const [blue, green] = [colourNodeName(stack, "blue"), colourNodeName(stack, "green")];
                const there = sub(r, flowName(blue, green))!;
                const back = sub(r, flowName(green, blue))!;
                assert.deepStrictEqual([there.origin, back.origin], ["none", "none"]);
                assert.deepStrictEqual([there.copyData, back.copyData], [true, false]);
                // Rows a colour only receives (edge rows) are never relayed by a colour: they come from the edge.
                const relayed = subscriptions(r).map((x) => x.inputs as unknown as SubscriptionInputs)
                    .filter((s) => s.tables.some((t) => TABLE_CATALOG[t].class === "operational") && !s.subscriptionName.startsWith("mesh_edge_"));
                assert.deepStrictEqual(relayed.map((s) => s.subscriptionName), []);
            });

            it("sends nothing personal or non-aggregate across a zone (checked on every registered subscription)", () => {
                const crossZone = subscriptions(results[stack]).map((s) => s.inputs as unknown as SubscriptionInputs).filter((s) => s.publisherZone !== s.subscriberZone);
                assert.ok(crossZone.length >= 2, "the stack has cross-zone flows to its peers");
                for (const s of crossZone) {
                    assert.deepStrictEqual(s.tables.filter((t) => !mayCrossZones(t)), [], `${s.subscriptionName} (${s.publisherZone} -> ${s.subscriberZone})`);
                }
            });

            it("composes a read-only supergraph of its own region and its peers", () => {
                const sdl = supergraphOf(results[stack]);
                const doc = parse(sdl);
                const mutationRoots = doc.definitions.filter((d) =>
                    ((d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION) && (d.name.value === "Mutation" || d.name.value === "Subscription")) ||
                    (d.kind === Kind.SCHEMA_DEFINITION && d.operationTypes.some((o) => o.operation !== "query")));
                assert.deepStrictEqual(mutationRoots, []);
                const config = parseStackConfig(configOf(stack), stack);
                const graphs = doc.definitions.find((d) => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === "join__Graph");
                assert.ok(graphs && graphs.kind === Kind.ENUM_TYPE_DEFINITION, "join__Graph enum");
                assert.strictEqual(graphs.values!.length, 1 + config.peers.length, "one subgraph per region");
                assert.match(String(results[stack].outputs.federationUrl), new RegExp(`^https://graphql\\.${stack}\\.agogsaas\\.example\\.com/graphql$`));
            });

            it("exports a facility summary per facility and a topology that draws", () => {
                const r = results[stack];
                const config = parseStackConfig(configOf(stack), stack);
                const facilities = r.outputs.facilities as Record<string, { id: string; status: string; healthUrl: string; databaseEndpoint: string }>;
                assert.deepStrictEqual(Object.keys(facilities).sort(), config.facilities.map((f) => f.id).sort());
                for (const f of config.facilities) {
                    assert.strictEqual(facilities[f.id].id, f.id);
                    assert.strictEqual(facilities[f.id].status, f.offline ? "offline" : "online");
                    assert.match(facilities[f.id].healthUrl, /^http:\/\/[a-z0-9.-]+:\d+\/health$/);
                    assert.match(facilities[f.id].databaseEndpoint, /^[a-z0-9.-]+:\d+\/agogsaas_edge$/);
                }
                const topology = r.outputs.topology as Topology;
                assert.strictEqual(topology.flows.length, expectedFlows(stack).size);
                const mermaid = topologyToMermaid(topology);
                assert.match(mermaid, /^---\ntitle: /);
                for (const f of config.facilities) assert.ok(mermaid.includes(`n_${f.id.replace(/-/g, "_")}`), f.id);
                // Cross-zone flows are drawn thick and none is a violation.
                assert.ok(mermaid.includes("==>"));
                assert.ok(!mermaid.includes("SOVEREIGNTY VIOLATION"));
                assert.strictEqual(r.outputs.peeringPassword, REDACTED);
            });

            it("offers its peers one publication of its own aggregate rows in the peering database, with a login of its own", () => {
                const r = results[stack];
                const config = parseStackConfig(configOf(stack), stack);
                const name = peeringPublicationName(stack);
                const offered = publications(r).find((p) => p.inputs.publicationName === name)!;
                assert.ok(offered, `publication ${name}`);
                assert.deepStrictEqual([...(offered.inputs.tables as string[])].sort(), AGGREGATE);
                assert.deepStrictEqual(offered.inputs.rowFilter, { column: "region", equals: stack });
                assert.deepStrictEqual(offered.inputs.subscribers, ZONES.map((zone) => ({ zone })), "aggregates: any zone may subscribe");
                const role = r.resources.find((x) => isPgResourceType(x.type) && x.inputs.roleName === `${name}_reader`)!;
                assert.ok(role, "peering login role");
                assert.deepStrictEqual(role.inputs.tables, AGGREGATE, "SELECT on the aggregate tables only");
                assert.deepStrictEqual(role.inputs.replicationAttribute, config.cloud === "azure");
                assert.deepStrictEqual(role.inputs.grantRoles, config.cloud === "aws" ? ["rds_replication"] : []);
                assert.deepStrictEqual((r.outputs.peering as { database: unknown }).database, {
                    host: (r.outputs.peering as { database: { host: string } }).database.host, port: 5432, database: PEERING_DATABASE, user: `${name}_reader`, publication: name,
                });
                assert.ok(r.secretOutputs.includes("peeringPassword"));
                // Every database the mesh manages on this server refuses logins not granted CONNECT explicitly.
                const restricted = r.resources.filter((x) => isPgResourceType(x.type) && x.name.endsWith("-connect")).map((x) => x.name).sort();
                assert.deepStrictEqual(restricted, [colourNodeName(stack, "blue"), colourNodeName(stack, "green"), peeringNodeName(stack)].map((n) => `mesh-${n}-connect`).sort());
            });

            it("creates nothing on a peer's server: only subscriptions into its own colours read the peers' peering databases", () => {
                const r = results[stack];
                const config = parseStackConfig(configOf(stack), stack);
                for (const p of config.peers) {
                    const onPeer = r.resources.filter((x) => isPgResourceType(x.type) && x.name.includes(peeringNodeName(p.stack)));
                    assert.deepStrictEqual(onPeer.map((x) => x.name).sort(),
                        ["blue", "green"].map((c) => `mesh-${flowName(peeringNodeName(p.stack), colourNodeName(stack, c as "blue" | "green"))}-sub`).sort());
                }
                assert.ok(!r.resources.some((x) => isPgResourceType(x.type) && config.peers.some((p) => x.name.includes(`_to_${colourNodeName(p.stack, "blue")}`) || x.name.includes(`_to_${colourNodeName(p.stack, "green")}`))));
            });

            it("gives the backend the regional NATS address (pinned release name)", () => {
                const r = results[stack];
                const nats = r.resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release" && x.name.endsWith("-nats"))!;
                assert.strictEqual(nats.inputs.name, "nats");
                for (const color of ["blue", "green"]) {
                    const deployment = r.resources.find((x) => x.type === "kubernetes:apps/v1:Deployment" && (x.inputs.metadata as { name: string }).name === `backend-${color}`)!;
                    const env = (deployment.inputs as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } }).spec.template.spec.containers[0].env;
                    assert.strictEqual(env.find((e) => e.name === "NATS_URL")?.value, "nats://nats.nats.svc.cluster.local:4222");
                }
            });

            it("sizes the mesh's regional nodes with the RegionalCluster's capacity and its edges with the EdgeSite's", () => {
                const r = results[stack];
                assert.ok(!JSON.stringify(r).includes("mock-password"), "no plaintext password anywhere");
                const plan = planRegional(parseStackConfig(configOf(stack), stack));
                const colours = plan.mesh.nodes.filter((n) => n.source.kind === "colour");
                assert.strictEqual(colours.length, 2);
                for (const node of colours) assert.deepStrictEqual(node.capacity, r.outputs.replicationCapacity, node.name);
                // The server parameters carry those numbers.
                const parameters = JSON.stringify(r.resources.filter((x) => x.type === "aws:rds/parameterGroup:ParameterGroup" || x.type === "azure-native:dbforpostgresql:Configuration").map((x) => x.inputs));
                const capacity = r.outputs.replicationCapacity as Record<string, number>;
                assert.ok(parameters.includes(`"${capacity.maxLogicalReplicationWorkers}"`), "max_logical_replication_workers from the same capacity");
                for (const node of plan.mesh.nodes.filter((n) => n.source.kind === "facility")) {
                    assert.deepStrictEqual(node.capacity, edgeCapacity());
                    const site = plan.edgeSites.find((e) => edgeNodeName(e.facility.id) === node.name);
                    if (site) assert.deepStrictEqual(site.args.replication, EDGE_REPLICATION);
                }
            });
        });
    }

    describe("offline facility (eu-central, Warsaw)", () => {
        let online: SynthResult;
        before(async () => {
            online = await synth("eu-central", (c) => editObject<{ offline?: boolean }[]>(c, "agogsaas:facilities", (f) => { delete f[1].offline; }));
        });
        const waw = edgeNodeName("facility-waw-001");

        it("keeps its subscriptions declared but disabled; the others stay enabled", () => {
            const offline = results["eu-central"];
            for (const colour of ["blue", "green"] as const) {
                assert.strictEqual(sub(offline, flowName(waw, colourNodeName("eu-central", colour)))!.enabled, false);
                assert.strictEqual(sub(online, flowName(waw, colourNodeName("eu-central", colour)))!.enabled, true);
                assert.strictEqual(sub(offline, flowName(edgeNodeName("facility-fra-001"), colourNodeName("eu-central", colour)))!.enabled, true);
            }
            assert.deepStrictEqual(subscriptions(offline).map((s) => s.name).sort(), subscriptions(online).map((s) => s.name).sort(), "nothing deleted");
        });

        it("changes nothing on its edge: EdgeSite children and the mesh objects on it have identical inputs, frozen", () => {
            const children = (r: SynthResult) => descendants(r, component(r, "agogsaas:edge:EdgeSite", "facility-waw-001").urn);
            const offline = results["eu-central"];
            const before = children(online);
            const after = children(offline);
            assert.ok(after.length >= 4, `resources on the edge: ${after.map((x) => x.name).join(", ")}`);
            assert.deepStrictEqual(after.map((x) => x.urn), before.map((x) => x.urn));
            after.forEach((x, i) => {
                if (!x.custom) return;
                assert.deepStrictEqual(x.inputs, before[i].inputs, `${x.name} inputs unchanged`);
                assert.deepStrictEqual(x.ignoreChanges, ["*"], `${x.name} ignoreChanges`);
                assert.strictEqual(x.retainOnDelete, true, `${x.name} retainOnDelete`);
                assert.deepStrictEqual(before[i].ignoreChanges, [], `${x.name} is not frozen while online`);
            });

            // The mesh objects live in the facility's bundle: those on the edge (its tables and role,
            // its publications, the subscription applied there) are frozen items with unchanged inputs.
            const bundle = (r: SynthResult) => r.resources.find((x) => x.name === `mesh-${waw}-replication`)!;
            const onEdge = (item: BundleItemView) => item.kind === "tables" || item.kind === "role"
                || item.key.startsWith(`pub:${flowName(waw, "")}`) || (item.kind === "subscription" && item.key.endsWith(`_to_${waw}`));
            const itemsBefore = bundleItems(bundle(online)).filter(onEdge);
            const itemsAfter = bundleItems(bundle(offline)).filter(onEdge);
            assert.deepStrictEqual(itemsAfter.map((i) => i.key).sort(),
                ["pub:" + flowName(waw, colourNodeName("eu-central", "blue")), "pub:" + flowName(waw, colourNodeName("eu-central", "green")),
                    "role", "sub:" + flowName(colourNodeName("eu-central", "blue"), waw), "tables"].sort());
            assert.deepStrictEqual(itemsAfter.map((i) => i.key), itemsBefore.map((i) => i.key));
            itemsAfter.forEach((item, i) => {
                assert.deepStrictEqual(item.inputs, itemsBefore[i].inputs, `${item.key} inputs unchanged`);
                assert.strictEqual(item.frozen, true, `${item.key} frozen`);
                assert.strictEqual(itemsBefore[i].frozen, false, `${item.key} is not frozen while online`);
            });
            // The bundle itself stays live: its regional side (the subscriptions on blue and green) must still change.
            assert.deepStrictEqual(bundle(offline).ignoreChanges, []);
            assert.notStrictEqual(bundle(offline).retainOnDelete, true);
        });

        it("keeps its regional side live (the master-data publication on blue is unchanged and not frozen)", () => {
            const name = flowName(colourNodeName("eu-central", "blue"), waw);
            const offlinePub = publications(results["eu-central"]).find((p) => p.inputs.publicationName === name)!;
            const onlinePub = publications(online).find((p) => p.inputs.publicationName === name)!;
            assert.deepStrictEqual(offlinePub.inputs, onlinePub.inputs);
            assert.strictEqual(offlinePub.frozen, false);
        });

        it("draws its flows disabled and the facility offline", () => {
            const topology = results["eu-central"].outputs.topology as Topology;
            const disabled = topology.flows.filter((f) => f.disabled).map((f) => `${f.from}>${f.to}`).sort();
            assert.deepStrictEqual(disabled, ["eu-central/blue>facility-waw-001", "facility-waw-001>eu-central/blue", "facility-waw-001>eu-central/green"]);
            assert.ok(topology.nodes.find((n) => n.id === "facility-waw-001")!.offline);
        });
    });

    describe("fleet modes", () => {
        it("us-east keeps only Houston's regional side: its flows, no EdgeSite, endpoint from its edge stack", () => {
            const r = results["us-east"];
            assert.ok(!r.resources.some((x) => x.type === "agogsaas:edge:EdgeSite" && x.name === "facility-hou-001"));
            const hou = edgeNodeName("facility-hou-001");
            assert.ok(sub(r, flowName(hou, colourNodeName("us-east", "blue"))));
            assert.ok(sub(r, flowName(colourNodeName("us-east", "blue"), hou)));
            const summary = (r.outputs.facilities as Record<string, { deployment: string; databaseEndpoint: string }>)["facility-hou-001"];
            assert.strictEqual(summary.deployment, "stack agogsaas/agogsaas/edge-hou-001");
            assert.match(summary.databaseEndpoint, /^edge-hou-001\./);
        });

        it("edgeDeployment stacks: the regional stack registers no docker resource and still every facility flow", async () => {
            const r = await synth("us-east", (c) => { c["agogsaas:edgeDeployment"] = "stacks"; });
            assert.deepStrictEqual(r.resources.filter((x) => x.type.startsWith("docker:") || x.type.includes("docker") || x.type === "agogsaas:edge:EdgeSite").map((x) => x.type), []);
            assert.deepStrictEqual(subscriptions(r).map((s) => s.inputs.subscriptionName).sort(), [...expectedFlows("us-east").keys()].sort());
        });

        it("the single-facility edge stack (Pulumi.edge-hou-001.yaml) deploys only the facility and exports the edge contract", async () => {
            const r = await synth("edge-hou-001");
            assert.deepStrictEqual([...new Set(r.resources.map((x) => x.type.split(":")[0]))].sort(), ["agogsaas", "docker", "pulumi", "random"]);
            assert.deepStrictEqual(r.resources.filter((x) => x.type === "agogsaas:edge:EdgeSite").map((x) => x.name), ["facility-hou-001"]);
            assert.deepStrictEqual(r.outputs.databaseEndpoint, { host: "edge-hou-001.vpn.agogsaas.example.com", port: 5436, database: "agogsaas_edge" });
            assert.strictEqual(r.outputs.adminPassword, REDACTED);
            assert.strictEqual(r.outputs.replicationPassword, REDACTED);
            assert.ok(r.secretOutputs.includes("adminPassword") && r.secretOutputs.includes("replicationPassword"));
            // Its edge takes two regional subscribers (both colours): slots sized for that.
            const postgres = r.resources.find((x) => x.type === "docker:index/container:Container" && x.name.endsWith("-postgres"))!;
            assert.ok((postgres.inputs.command as string[]).join(" ").includes("max_replication_slots=11"), JSON.stringify(postgres.inputs.command));
        });

        it("no two example stacks manage the same containers", async () => {
            const owners = new Map<string, string>();
            for (const stack of ["us-east", "eu-central", "apac", "edge-hou-001"]) {
                const r = stack === "edge-hou-001" ? await synth(stack) : results[stack];
                for (const c of r.resources.filter((x) => x.type === "docker:index/container:Container")) {
                    const name = String(c.inputs.name);
                    assert.ok(!owners.has(name), `${name} in ${owners.get(name)} and ${stack}`);
                    owners.set(name, stack);
                }
            }
            assert.ok(owners.size >= 4 * 5);
        });
    });

    describe("no administrator login crosses stacks", () => {
        /** Synth with the raw (secret-unwrapped) inputs of every resource and the raw stack outputs. */
        async function synthRaw(stack: string) {
            const raw: MockResourceArgs[] = [];
            let outputs: unknown;
            const r = await synthesize({
                project: "agogsaas", stack, config: configOf(stack),
                program: () => {
                    const result = runStack();
                    pulumi.output(result).apply((value) => { outputs = value; });
                    return result;
                },
                mocks: {
                    // Recorded, then the default fake outputs (undefined falls back to them).
                    newResource: (args: MockResourceArgs) => { raw.push(args); return undefined as never; },
                },
            });
            return { r, raw, outputs: outputs as Record<string, unknown> };
        }

        for (const stack of ["us-east", "eu-central", "apac"]) {
            it(`${stack}: its outputs (what peers' StackReferences read) carry the peering login, never the administrator's password`, async () => {
                const { r, raw, outputs } = await synthRaw(stack);
                const adminPassword = `mock-password-${stack}-db-admin`;
                assert.ok(raw.some((x) => x.type === "random:index/randomPassword:RandomPassword" && x.name === `${stack}-db-admin`), "the admin password resource exists");
                assert.ok(!JSON.stringify(outputs).includes(adminPassword), "no output holds the administrator password");
                assert.strictEqual(outputs.peeringPassword, `mock-password-mesh-${peeringPublicationName(stack)}-reader-password`);
                assert.strictEqual((outputs.peering as { database: { user: string } }).database.user, `${peeringPublicationName(stack)}_reader`);
                assert.strictEqual(r.outputs.peeringPassword, REDACTED, "and secret");
            });

            it(`${stack}: every connection to a peer's server logs in as that peer's peering login`, async () => {
                const { raw } = await synthRaw(stack);
                const config = parseStackConfig(configOf(stack), stack);
                const connections: Record<string, unknown>[] = [];
                const collect = (value: unknown): void => {
                    if (Array.isArray(value)) value.forEach(collect);
                    else if (value !== null && typeof value === "object") {
                        const obj = value as Record<string, unknown>;
                        if (typeof obj.host === "string" && "password" in obj) connections.push(obj);
                        Object.entries(obj).forEach(([, v]) => collect(v));
                    }
                };
                raw.filter((x) => isPgResourceType(x.type)).forEach((x) => collect(x.inputs));
                for (const peer of config.peers) {
                    const toPeer = connections.filter((c) => String(c.host).startsWith(`${peer.stack}-db.`));
                    assert.strictEqual(toPeer.length, 4, `${peer.stack}: publisher and slot login of two subscriptions`);
                    for (const c of toPeer) {
                        assert.deepStrictEqual({ user: c.user, database: c.database, password: c.password }, {
                            user: `${peeringPublicationName(peer.stack)}_reader`, database: PEERING_DATABASE, password: `mock-password-${peer.stack}-peering`,
                        });
                    }
                }
            });
        }

        it("refuses a peer stack that exports an old contract or offers nothing, naming the config key", () => {
            const config = parseStackConfig(configOf("us-east"), "us-east");
            const base = { stack: "eu-central", zone: "eu" as const, graphqlUrl: "https://api.eu-central.example.invalid/graphql/federation/aggregate" };
            assert.throws(() => checkedPeering(config.peers[0], 0, { ...base, database: { host: "eu-central-db.example.invalid", port: 5432, user: "agogadmin" } } as never),
                (err: unknown) => err instanceof SovereigntyError && err.message ===
                    'agogsaas:peers[0].stackReference: stack "agogsaas/agogsaas/eu-central" exports an older peering contract (no cloud, region, tables). Allowed: that stack updated and deployed first');
            assert.throws(() => checkedPeering(config.peers[0], 0, base as never),
                /^SovereigntyError: agogsaas:peers\[0\]\.stackReference: stack "agogsaas\/agogsaas\/eu-central" offers no peering publication/);
        });

        describe("a peer stack whose outputs contradict the peer's config entry is refused: key, declared value, peer's value", () => {
            const peeringOf = (changes: Record<string, unknown> = {}) => ({
                stack: "eu-central", zone: "eu" as const, cloud: "azure", region: "germanywestcentral", tables: [...AGGREGATE_TABLES],
                graphqlUrl: "https://api.eu-central.example.invalid/graphql/federation/aggregate",
                database: { host: "eu-central-db.example.invalid", port: 5432, database: PEERING_DATABASE, user: "mesh_peering_eu_central_reader", publication: "mesh_peering_eu_central" },
                ...changes,
            });
            const declaring = (fields: Record<string, unknown>) => parseStackConfig(configOf("us-east", (c) => editObject<Record<string, unknown>[]>(c, "agogsaas:peers", (p) => Object.assign(p[0], fields))), "us-east").peers[0];

            it("agrees: every declared value equal, the peering info is used", () => {
                const peer = declaring({ cloud: "azure", region: "germanywestcentral", tables: [...AGGREGATE_TABLES].reverse() });
                assert.strictEqual(checkedPeering(peer, 0, peeringOf()).database!.publication, "mesh_peering_eu_central");
            });
            const cases: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
                ["zone", {}, { zone: "us" }, 'agogsaas:peers[0].zone: agogsaas:peers[0].zone is "eu" but stack "agogsaas/agogsaas/eu-central" exports peering.zone "us"'],
                ["stack", {}, { stack: "eu-west" }, 'agogsaas:peers[0].stack: agogsaas:peers[0].stack is "eu-central" but stack "agogsaas/agogsaas/eu-central" exports peering.stack "eu-west"'],
                ["cloud", { cloud: "aws", region: "eu-central-1" }, {}, 'agogsaas:peers[0].cloud: agogsaas:peers[0].cloud is "aws" but stack "agogsaas/agogsaas/eu-central" exports peering.cloud "azure"'],
                ["region", { cloud: "azure", region: "westeurope" }, {}, 'agogsaas:peers[0].region: agogsaas:peers[0].region is "westeurope" but stack "agogsaas/agogsaas/eu-central" exports peering.region "germanywestcentral"'],
                ["tables (declared)", { tables: ["inventory_snapshots"] }, {}, `agogsaas:peers[0].tables: agogsaas:peers[0].tables is ["inventory_snapshots"] but stack "agogsaas/agogsaas/eu-central" exports peering.tables ${JSON.stringify([...AGGREGATE_TABLES].sort())}`],
                ["tables (default)", {}, { tables: [...AGGREGATE_TABLES, "customers"] }, "agogsaas:peers[0].tables: agogsaas:peers[0].tables (default: every aggregate table) is"],
                ["publication", {}, { database: { ...peeringOf().database, publication: "mesh_peering_other" } }, 'agogsaas:peers[0].stack: agogsaas:peers[0].stack (publication "mesh_peering_eu_central") is "mesh_peering_eu_central" but stack "agogsaas/agogsaas/eu-central" exports peering.database.publication "mesh_peering_other"'],
            ];
            for (const [what, declared, exported, message] of cases) {
                it(what, () => assert.throws(() => checkedPeering(declaring(declared), 0, peeringOf(exported)),
                    (err: unknown) => err instanceof SovereigntyError && err.message.startsWith(message)));
            }
        });

        describe("an edge stack whose outputs contradict the facility's config entry is refused", () => {
            const config = parseStackConfig(configOf("us-east"), "us-east");
            const facility = config.facilities[0];
            const exported = (changes: Record<string, unknown> = {}) => ({
                zone: "us", facilityId: facility.id, facility: { tenant: facility.tenant },
                databaseEndpoint: { host: "edge.example.invalid", port: 5432, database: "agogsaas_edge" }, healthUrl: "http://edge.example.invalid/health",
                adminUser: "agogsaas", adminPassword: "a", replicationPassword: "r", ...changes,
            });
            it("agrees", () => assert.strictEqual(checkedEdgeStackOutputs("edge-x", declaredFacility(facility, 0), exported()).facilityId, facility.id));
            const cases: [string, Record<string, unknown>, string][] = [
                ["zone", { zone: "eu" }, `agogsaas:facilities[0].zone: agogsaas:facilities[0].zone (default: the stack's zone) is "us" but edge stack "edge-x" exports zone "eu"`],
                ["facility id", { facilityId: "facility-zz-001" }, `agogsaas:facilities[0].id: agogsaas:facilities[0].id is "${facility.id}" but edge stack "edge-x" exports facilityId "facility-zz-001"`],
                ["tenant", { facility: { tenant: "tenant-other" } }, `agogsaas:facilities[0].tenant: agogsaas:facilities[0].tenant is "${facility.tenant}" but edge stack "edge-x" exports facility.tenant "tenant-other"`],
            ];
            for (const [what, changes, message] of cases) {
                it(what, () => assert.throws(() => checkedEdgeStackOutputs("edge-x", declaredFacility(facility, 0), exported(changes)),
                    (err: unknown) => err instanceof SovereigntyError && err.message.startsWith(message)));
            }
            it("an edge stack of the older contract (no zone) is refused, naming the output", () => {
                const { zone: _zone, ...old } = exported();
                assert.throws(() => checkedEdgeStackOutputs("edge-x", declaredFacility(facility, 0), old), /^Error: edge stack edge-x: it has no output "zone"/);
            });
        });

        it("refuses a peer's declared placement that is itself wrong: region outside its zone, region without cloud, a personal table", () => {
            const bad = (fields: Record<string, unknown>) => () => parseStackConfig(configOf("us-east", (c) => editObject<Record<string, unknown>[]>(c, "agogsaas:peers", (p) => Object.assign(p[0], fields))), "us-east");
            assert.throws(bad({ cloud: "aws", region: "us-east-1" }), /^SovereigntyError: agogsaas:peers\[0\]\.region: AWS region "us-east-1" is outside sovereignty zone "eu"/);
            assert.throws(bad({ region: "westeurope" }), /^ValidationError: agogsaas:peers\[0\]\.cloud: missing: a peer's region is read as the region of its cloud/);
            assert.throws(bad({ tables: ["inventory_snapshots", "customers"] }), /^SovereigntyError: agogsaas:peers\[0\]\.tables\[1\]: "customers" is not an aggregate table/);
            assert.throws(bad({ tables: [] }), /^ValidationError: agogsaas:peers\[0\]\.tables: empty/);
            assert.throws(bad({ cloud: "gcp" }), /^ValidationError: agogsaas:peers\[0\]\.cloud/);
        });
    });

    describe("peers from config instead of stack references", () => {
        const peerFromConfig = (c: Config) => editObject<Record<string, unknown>[]>(c, "agogsaas:peers", (p) => {
            delete p[0].stackReference;
            p[0].graphqlUrl = "https://api.eu-central.agogsaas.example.com/graphql/federation/aggregate";
            p[0].database = { host: "eu-central-db.peering.example.com", user: "mesh_peering_eu_central_reader", password: "peer-password-in-config" };
        });

        it("subscribes its colours to the configured peer's publication with the peering login, password secret", async () => {
            const raw: MockResourceArgs[] = [];
            const r = await synthesize({
                project: "agogsaas", stack: "us-east", config: configOf("us-east", peerFromConfig), program: runStack,
                mocks: { newResource: (args: MockResourceArgs) => { raw.push(args); return undefined as never; } },
            });
            for (const colour of ["blue", "green"] as const) {
                const name = flowName("eu_central_peering", colourNodeName("us-east", colour));
                const target = subscriptions(r).find((s) => s.inputs.subscriptionName === name)!;
                assert.ok(target.resource.secretPaths.includes("publisher") && target.resource.secretPaths.includes("publisherAdmin"), "the peer login is secret");
                assert.deepStrictEqual(target.inputs.publications, ["mesh_peering_eu_central"], "the default publication name");
                const inputs = unwrapSecrets(raw.find((x) => x.inputs.subscriptionName === name)!.inputs) as { publisher: Record<string, unknown>; publisherAdmin: Record<string, unknown> };
                const login = { host: "eu-central-db.peering.example.com", port: 5432, database: PEERING_DATABASE, user: "mesh_peering_eu_central_reader", password: "peer-password-in-config", ssl: "require" };
                assert.deepStrictEqual(inputs.publisher, login);
                assert.deepStrictEqual(inputs.publisherAdmin, login, "the slot is made with the peering login too");
            }
            assert.ok(!JSON.stringify(r).includes("peer-password-in-config"), "the configured password never appears in plaintext");
            assert.ok(supergraphOf(r).includes("https://api.eu-central.agogsaas.example.com/graphql/federation/aggregate"));
        });

        const refused = async (edit: (c: Config) => void, message: string) => {
            await assert.rejects(synth("us-east", edit), (err: unknown) => {
                assert.ok(err instanceof SynthError, String(err));
                assert.strictEqual(err.message, message);
                assert.ok(err.cause instanceof ValidationError);
                assert.deepStrictEqual(err.partial.resources, [], "nothing registered");
                return true;
            });
        };

        it("refuses a peer with both a stack reference and a database", async () => {
            await refused((c) => editObject<Record<string, unknown>[]>(c, "agogsaas:peers", (p) => { p[0].database = { host: "x.example.com", user: "a", password: "b" }; }),
                "agogsaas:peers[0].database: given together with stackReference. Allowed: either stackReference (the peer's outputs) or database and graphqlUrl");
        });

        it("refuses a peer without stack reference and without database", async () => {
            await refused((c) => editObject<Record<string, unknown>[]>(c, "agogsaas:peers", (p) => { delete p[1].stackReference; }),
                "agogsaas:peers[1].database: missing: a peer without stackReference needs database and graphqlUrl. Allowed: a stackReference, or database and graphqlUrl");
        });

        it("refuses a peer database that is not a DNS name, naming the field", async () => {
            await refused((c) => { peerFromConfig(c); editObject<{ database: { host: string } }[]>(c, "agogsaas:peers", (p) => { p[0].database.host = "db; DROP"; }); },
                'agogsaas:peers[0].database.host: "db; drop" is not a DNS name. Allowed: a DNS name such as "eu-central-db.internal.example.com"');
        });

        it("refuses an unknown per-facility edgeDeployment and a malformed edgeStack", async () => {
            await refused((c) => editObject<Record<string, unknown>[]>(c, "agogsaas:facilities", (f) => { f[0].edgeDeployment = "separate"; }),
                'agogsaas:facilities[0].edgeDeployment: unknown value "separate". Allowed: "inline" or "stacks"');
            await refused((c) => editObject<Record<string, unknown>[]>(c, "agogsaas:facilities", (f) => { f[2].edgeStack = "org/proj/edge hou"; }),
                'agogsaas:facilities[2].edgeStack: "org/proj/edge hou" is not a stack reference. Allowed: "org/project/stack", "project/stack" or "stack"');
        });

        it("refuses a stack name too long for the mesh's slot names, naming it", async () => {
            await assert.rejects(synthesize({ project: "agogsaas", stack: "us-east-production-primary", config: configOf("us-east"), program: runStack }), (err: unknown) => {
                assert.ok(err instanceof SynthError);
                assert.match(err.message, /^the stack name "us-east-production-primary": too long: its mesh node name "us_east_production_primary_blue" exceeds 26 characters/);
                assert.deepStrictEqual(err.partial.resources, []);
                return true;
            });
        });
    });
});
