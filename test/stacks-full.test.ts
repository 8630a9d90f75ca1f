/**
 * The regional stacks wire all five components: per facility and per peer the expected
 * replication flows (with their row filters), nothing personal or non-aggregate across zones, the
 * offline facility frozen with its subscription disabled, the single-facility edge stack, the
 * separate-stack fleet mode and the read-only federation gateway. Real Pulumi.<stack>.yaml files,
 * the real program, the mock runtime.
 */
import * as assert from "assert";
import * as path from "path";
import { Kind, parse } from "graphql";
import { REDACTED, synthesize, SynthError, SynthResource, SynthResult } from "../tools/synth/mock-runtime";
import { loadStackConfigFiles } from "../tools/synth/stack-config";
import { Topology, topologyToMermaid } from "../tools/synth/topology";
import { runStack } from "../stacks/program";
import { parseStackConfig } from "../stacks/config";
import { EDGE_REPLICATION, colourNodeName, edgeCapacity, edgeNodeName } from "../stacks/mesh";
import { planRegional } from "../stacks/regional";
import { TABLE_CATALOG, mayCrossZones, tablesOfClass } from "../components/sovereignty";
import { ValidationError } from "../components/errors";

const ROOT = path.join(__dirname, "..");
const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
const OPERATIONAL = tablesOfClass("operational").sort();
const MASTER = tablesOfClass("master").sort();
const AGGREGATE = tablesOfClass("aggregate").sort();

type Config = Record<string, string>;

function configOf(stack: string, edit: (config: Config) => void = () => undefined): Config {
    const { config } = loadStackConfigFiles(stack, ROOT);
    edit(config);
    return config;
}

function editObject<T>(config: Config, key: string, edit: (value: T) => void): void {
    const value = JSON.parse(config[key]) as T;
    edit(value);
    config[key] = JSON.stringify(value);
}

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

const subscriptions = (r: SynthResult) => r.resources.filter((x) => x.type === DYNAMIC && x.name.endsWith("-sub"));
const publications = (r: SynthResult) => r.resources.filter((x) => x.type === DYNAMIC && x.name.endsWith("-pub"));
const sub = (r: SynthResult, name: string) => subscriptions(r).find((s) => s.inputs.subscriptionName === name)?.inputs as SubscriptionInputs | undefined;
const pub = (r: SynthResult, name: string) => publications(r).find((p) => p.inputs.publicationName === name)?.inputs as { tables: string[]; rowFilter?: unknown } | undefined;
const flowName = (from: string, to: string) => `mesh_${from}_to_${to}`;

/** The flows a regional stack must have, computed from its config independently of stacks/mesh.ts. */
function expectedFlows(stack: string): Map<string, { tables: string[]; rowFilter?: unknown }> {
    const config = parseStackConfig(configOf(stack), stack);
    const blue = colourNodeName(stack, "blue");
    const green = colourNodeName(stack, "green");
    const flows = new Map<string, { tables: string[]; rowFilter?: unknown }>();
    flows.set(flowName(blue, green), { tables: [...MASTER, ...AGGREGATE].sort() });
    flows.set(flowName(green, blue), { tables: [...MASTER, ...AGGREGATE].sort() });
    for (const f of config.facilities) {
        const edge = edgeNodeName(f.id);
        for (const colour of [blue, green]) flows.set(flowName(edge, colour), { tables: OPERATIONAL, rowFilter: { column: "facility_id", equals: f.id } });
        flows.set(flowName(blue, edge), { tables: MASTER, rowFilter: { column: "tenant_id", equals: f.tenant } });
    }
    for (const p of config.peers) {
        for (const colour of ["blue", "green"] as const) {
            flows.set(flowName(blue, colourNodeName(p.stack, colour)), { tables: AGGREGATE, rowFilter: { column: "region", equals: stack } });
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
                for (const [name, flow] of expected) {
                    assert.deepStrictEqual([...sub(r, name)!.tables].sort(), flow.tables, `${name} tables`);
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
            const onEdge = (r: SynthResult) => r.resources.filter((x) => x.type === DYNAMIC &&
                // Its tables and replication role, its publications, the subscription applied there.
                (x.name.startsWith(`mesh-${waw}-`) || (x.name.startsWith(`mesh-${flowName(waw, "")}`) && x.name.endsWith("-pub")) || x.name.endsWith(`_to_${waw}-sub`)));
            const offline = results["eu-central"];
            for (const pick of [children, onEdge]) {
                const before = pick(online);
                const after = pick(offline);
                assert.ok(after.length >= 4, `resources on the edge: ${after.map((x) => x.name).join(", ")}`);
                assert.deepStrictEqual(after.map((x) => x.urn), before.map((x) => x.urn));
                after.forEach((x, i) => {
                    if (!x.custom) return;
                    assert.deepStrictEqual(x.inputs, before[i].inputs, `${x.name} inputs unchanged`);
                    assert.deepStrictEqual(x.ignoreChanges, ["*"], `${x.name} ignoreChanges`);
                    assert.strictEqual(x.retainOnDelete, true, `${x.name} retainOnDelete`);
                    assert.deepStrictEqual(before[i].ignoreChanges, [], `${x.name} is not frozen while online`);
                });
            }
        });

        it("keeps its regional side live (the master-data publication on blue is unchanged and not frozen)", () => {
            const name = flowName(colourNodeName("eu-central", "blue"), waw);
            const offlinePub = publications(results["eu-central"]).find((p) => p.inputs.publicationName === name)!;
            const onlinePub = publications(online).find((p) => p.inputs.publicationName === name)!;
            assert.deepStrictEqual(offlinePub.inputs, onlinePub.inputs);
            assert.deepStrictEqual(offlinePub.ignoreChanges, []);
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

    describe("peers from config instead of stack references", () => {
        const peerFromConfig = (c: Config) => editObject<Record<string, unknown>[]>(c, "agogsaas:peers", (p) => {
            delete p[0].stackReference;
            p[0].graphqlUrl = "https://api.eu-central.agogsaas.example.com/graphql/federation/aggregate";
            p[0].database = { host: "eu-central-db.peering.example.com", user: "agogadmin", password: "peer-password-in-config" };
        });

        it("subscribes into the configured server, password secret", async () => {
            const r = await synth("us-east", peerFromConfig);
            const target = subscriptions(r).find((s) => s.inputs.subscriptionName === flowName("us_east_blue", "eu_central_green"))!;
            assert.ok(target.secretPaths.includes("connection"), "the peer connection is secret");
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
