import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { buildSchema, parse, Kind, ObjectTypeDefinitionNode } from "graphql";
import {
    FederationGateway, FederationGatewayArgs, gatewayPeer, composeSupergraph, regionalSubgraphSdl, regionRootField,
    subgraphUrl,
} from "../components/federation-gateway/federation-gateway";
import { SubgraphDefinition } from "../components/federation-gateway/internal/compose";
import { SovereigntyError, ValidationError } from "../components/shared/errors";
import { TABLE_CATALOG, TAG_CLASSIFICATION, TAG_RESIDENCY } from "../components/shared/sovereignty";
import { SynthError, SynthResource, SynthResult, synthesize } from "../tools/synth/mock-runtime";
import { formatSchemaErrors, validateKubernetesResources } from "./support/k8s-schema";
import { GATEWAY_PORT } from "../components/federation-gateway/internal/gateway-config";

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@shareable", "@tag"])';

const region = (name: string, zone: "us" | "eu" | "apac", audience: "aggregate" | "regional"): SubgraphDefinition => ({
    name, zone, url: subgraphUrl(`https://${name}.agogsaas.example.com`, audience), sdl: regionalSubgraphSdl(name, audience),
});

/** The us-east gateway's view: its own region in full, the peers' aggregates. */
const US_GATEWAY: SubgraphDefinition[] = [region("us-east", "us", "regional"), region("eu-central", "eu", "aggregate"), region("apac", "apac", "aggregate")];

/** The subgraph name → URL table of a supergraph (the `join__Graph` enum). */
function joinGraphUrls(supergraphSdl: string): Record<string, string> {
    const joinGraph = parse(supergraphSdl).definitions.find((d) => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === "join__Graph");
    assert.ok(joinGraph && joinGraph.kind === Kind.ENUM_TYPE_DEFINITION);
    return Object.fromEntries((joinGraph.values ?? []).map((v) => {
        const args = Object.fromEntries((v.directives?.[0].arguments ?? []).map((a) => [a.name.value, (a.value as { value: string }).value]));
        return [args.name, args.url];
    }));
}

function expectError(fn: () => unknown, type: typeof ValidationError, message: RegExp): void {
    assert.throws(fn, (err: unknown) => {
        assert.ok(err instanceof type, `${String(err)} is a ${type.name}`);
        assert.match((err as Error).message, message);
        return true;
    });
}

describe("federation supergraph composition", () => {
    it("composes the regions into one read-only supergraph with a root field per region", () => {
        const composed = composeSupergraph({ gatewayZone: "us", subgraphs: US_GATEWAY });
        const schema = buildSchema(composed.publicSdl);
        assert.strictEqual(schema.getMutationType(), undefined, "no Mutation root");
        assert.strictEqual(schema.getSubscriptionType(), undefined, "no Subscription root");
        assert.deepStrictEqual(Object.keys(schema.getQueryType()!.getFields()).sort(), ["apac", "euCentral", "usEast", "usEastCustomers", "usEastOrders"]);
        assert.deepStrictEqual(joinGraphUrls(composed.supergraphSdl), {
            "us-east": "https://us-east.agogsaas.example.com/graphql/federation/regional",
            "eu-central": "https://eu-central.agogsaas.example.com/graphql/federation/aggregate",
            "apac": "https://apac.agogsaas.example.com/graphql/federation/aggregate",
        });
        assert.strictEqual(composed.classification, "personal", "in-zone orders make the cache personal");
        assert.deepStrictEqual(composed.subgraphs.map((s) => [s.name, s.crossZone]), [["us-east", false], ["eu-central", true], ["apac", true]]);
    });

    it("a gateway over aggregates only serves aggregate data", () => {
        const composed = composeSupergraph({ gatewayZone: "eu", subgraphs: [region("us-east", "us", "aggregate"), region("apac", "apac", "aggregate")] });
        assert.strictEqual(composed.classification, "aggregate");
    });

    it("refuses a subgraph from another zone exposing a personal type, naming subgraph, type and zones", () => {
        expectError(
            () => composeSupergraph({ gatewayZone: "us", subgraphs: [region("us-east", "us", "regional"), region("eu-central", "eu", "regional")] }),
            SovereigntyError,
            /^subgraphs\[1\]\.sdl: subgraph "eu-central" \(zone "eu"\) exposes type "Order", classified personal, to the federation gateway of zone "us": only aggregate types may cross sovereignty zones/,
        );
    });

    it("the same personal subgraph is fine in its own zone", () => {
        assert.doesNotThrow(() => composeSupergraph({ gatewayZone: "eu", subgraphs: [region("eu-central", "eu", "regional")] }));
    });

    const crossZone = (sdl: string) => () => composeSupergraph({ gatewayZone: "us", subgraphs: [{ name: "eu-central", zone: "eu", url: "https://eu.example.com/graphql", sdl: `${LINK}\n${sdl}` }] });

    it("fails closed on an unclassified type from another zone", () => {
        expectError(crossZone(`type Query { euStats: Stats } type Stats @shareable { count: Int }`), SovereigntyError, /exposes type "Stats", which is not classified/);
    });

    it("classifies through the table catalog: an operational table is refused across zones", () => {
        expectError(crossZone(`type Query { euMoves: [Move!]! } type Move @tag(name: "table:inventory_transactions") { quantityDelta: Int }`), SovereigntyError, /type "Move", classified operational/);
    });

    it("refuses a scalar root field without its own aggregate mark, accepts it with one", () => {
        expectError(crossZone(`type Query { euCustomerEmails: [String!]! }`), SovereigntyError, /field "Query\.euCustomerEmails", which is not classified/);
        assert.doesNotThrow(crossZone(`type Query { euOrderCount: Int @tag(name: "aggregate") }`));
    });

    it("refuses a personal field on an aggregate type from another zone", () => {
        expectError(
            crossZone(`type Query { eu: Agg } type Agg @tag(name: "aggregate") { total: Int email: String @tag(name: "personal") }`),
            SovereigntyError, /field "Agg\.email", classified personal/,
        );
    });

    it("rejects unknown tables and contradictory marks", () => {
        expectError(crossZone(`type Query { eu: X } type X @tag(name: "table:payroll") { a: Int }`), ValidationError, /type "X" is tagged with unknown table\(s\) "payroll"/);
        expectError(
            crossZone(`type Query { eu: X } type X @tag(name: "aggregate") @tag(name: "table:customers") { a: Int }`),
            ValidationError, /type "X" carries conflicting classifications "aggregate" and "personal" \(table "customers" is personal\)/,
        );
    });

    it("rejects a subgraph declaring a Mutation or Subscription root, by name or by schema definition", () => {
        const us = (sdl: string) => () => composeSupergraph({ gatewayZone: "us", subgraphs: [{ name: "us-east", zone: "us", url: "https://us.example.com/graphql", sdl: `${LINK}\n${sdl}` }] });
        expectError(us(`type Query { a: Int } type Mutation { placeOrder(id: ID!): Boolean }`), ValidationError,
            /^subgraphs\[0\]\.sdl: subgraph "us-east" declares a Mutation root \(type "Mutation"\): the federation gateway is read-only/);
        expectError(us(`schema { query: Q subscription: Events } type Q { a: Int } type Events { tick: Int }`), ValidationError,
            /subgraph "us-east" declares a Subscription root \(type "Events"\)/);
    });

    it("reports composition errors as a ValidationError", () => {
        const clash = { name: "us-west", zone: "us" as const, url: "https://usw.example.com/graphql", sdl: regionalSubgraphSdl("us-east", "aggregate") };
        expectError(() => composeSupergraph({ gatewayZone: "us", subgraphs: [region("us-east", "us", "aggregate"), clash] }), ValidationError,
            /^subgraphs: the subgraphs do not compose: .*Query\.usEast/);
    });

    it("validates names, zones, URLs and SDL", () => {
        const base = region("us-east", "us", "aggregate");
        expectError(() => composeSupergraph({ gatewayZone: "us", subgraphs: [] }), ValidationError, /^subgraphs: at least one subgraph is required/);
        expectError(() => composeSupergraph({ gatewayZone: "mars" as never, subgraphs: [base] }), ValidationError, /^zone: unknown sovereignty zone "mars"/);
        expectError(() => composeSupergraph({ gatewayZone: "us", subgraphs: [{ ...base, name: "US East" }] }), ValidationError, /^subgraphs\[0\]\.name: invalid subgraph name/);
        expectError(() => composeSupergraph({ gatewayZone: "us", subgraphs: [{ ...base, zone: "eu-west" as never }] }), ValidationError, /^subgraphs\[0\]\.zone/);
        expectError(() => composeSupergraph({ gatewayZone: "us", subgraphs: [{ ...base, url: "ftp://x" }] }), ValidationError, /^subgraphs\[0\]\.url: "ftp:\/\/x" is not an http\(s\) URL/);
        expectError(() => composeSupergraph({ gatewayZone: "us", subgraphs: [{ ...base, sdl: "type Query {" }] }), ValidationError, /^subgraphs\[0\]\.sdl: subgraph "us-east" schema does not parse/);
        expectError(() => composeSupergraph({ gatewayZone: "us", subgraphs: [base, base] }), ValidationError, /^subgraphs\[1\]\.name: duplicate subgraph name "us-east"/);
    });

    it("the regional SDL's table types carry exactly the catalog's columns", () => {
        const doc = parse(regionalSubgraphSdl("us-east", "regional"));
        const camel = (column: string) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
        const tables = doc.definitions.filter((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION)
            .flatMap((d) => (d.directives ?? []).flatMap((dir) => dir.arguments ?? [])
                .map((a) => (a.value as { value: string }).value).filter((v) => v.startsWith("table:"))
                .map((v) => ({ table: v.slice(6), fields: (d.fields ?? []).map((f) => f.name.value) })));
        assert.deepStrictEqual(tables.map((t) => t.table).sort(), ["customers", "facility_status", "inventory_snapshots", "orders"]);
        for (const { table, fields } of tables) {
            assert.deepStrictEqual(fields, TABLE_CATALOG[table].columns.map(camel), table);
        }
        assert.strictEqual(regionRootField("eu-central"), "euCentral");
    });
});

describe("FederationGateway component", () => {
    const gatewayArgs = (overrides: Partial<FederationGatewayArgs> = {}): FederationGatewayArgs => ({
        zone: "us",
        hostname: "graphql.us-east.agogsaas.example.com",
        production: true,
        subgraphs: [
            { ...region("us-east", "us", "regional") },
            // A peer endpoint as a stack reference would give it: an Output.
            { ...region("eu-central", "eu", "aggregate"), url: pulumi.output("https://eu-central.agogsaas.example.com/graphql/federation/aggregate") },
        ],
        ...overrides,
    });
    const run = (stack: string, args: FederationGatewayArgs) => synthesize({
        project: "agogsaas", stack,
        program: () => {
            const provider = new k8s.Provider("cluster", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
            const gateway = new FederationGateway("federation", { ...args, provider });
            return { url: gateway.url, publicSdl: gateway.publicSdl };
        },
    });
    const byKind = (result: SynthResult, kind: string): SynthResource[] => result.resources.filter((r) => r.inputs.kind === kind);

    let result: SynthResult;
    before(async () => {
        result = await run("federation-ok", gatewayArgs());
    });

    it("registers namespace, config, gateway and cache Deployments, Services, HPA, PDB and Ingress, all valid Kubernetes objects", () => {
        const kinds = result.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.inputs.kind).sort();
        assert.deepStrictEqual(kinds, ["ConfigMap", "Deployment", "Deployment", "HorizontalPodAutoscaler", "Ingress", "Namespace",
            ...Array(6).fill("NetworkPolicy"), "PodDisruptionBudget", "Service", "Service"]);
        const report = validateKubernetesResources(result);
        assert.strictEqual(report.checked.length, 15);
        assert.deepStrictEqual(report.errors, [], formatSchemaErrors(report));
        const component = result.resources.find((r) => r.type === "agogsaas:federation:FederationGateway")!;
        const isolation = result.resources.find((r) => r.type === "agogsaas:k8s:TenantIsolation")!;
        assert.strictEqual(isolation.parent, component.urn);
        const provider = result.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        for (const r of result.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            assert.strictEqual(r.parent, r.inputs.kind === "NetworkPolicy" ? isolation.urn : component.urn);
            assert.strictEqual(r.provider, provider.urn, `${r.name} goes through the cluster's provider`);
        }
    });

    it("ships the composed supergraph, with the peer URL from the Output, and the gateway config", () => {
        const [config] = byKind(result, "ConfigMap");
        const data = config.inputs.data as Record<string, string>;
        assert.strictEqual(joinGraphUrls(data["supergraph.graphql"])["eu-central"], "https://eu-central.agogsaas.example.com/graphql/federation/aggregate");
        assert.ok(!data["supergraph.graphql"].includes(".invalid"), "no placeholder URL left");
        assert.ok(!/type Mutation/.test(data["supergraph.graphql"]));
        assert.match(data["gateway.config.ts"], /supergraph: "\/etc\/hive-gateway\/supergraph\.graphql"/);
        assert.match(data["gateway.config.ts"], /cache: \{ type: "redis", url: process\.env\.REDIS_URL \}/);
        assert.ok(!/type Mutation/.test(String(result.outputs.publicSdl)));
    });

    it("runs the pinned Hive Gateway non-root with probes on its health endpoints and resource limits", () => {
        const gateway = byKind(result, "Deployment").find((d) => d.name === "federation-gateway")!;
        const spec = (gateway.inputs.spec as any).template.spec;
        const container = spec.containers[0];
        assert.strictEqual(container.image, "ghcr.io/graphql-hive/gateway:2.1.19");
        assert.deepStrictEqual(container.args, ["-c", "/etc/hive-gateway/gateway.config.ts", "supergraph"]);
        assert.strictEqual(container.livenessProbe.httpGet.path, "/healthcheck");
        assert.strictEqual(container.readinessProbe.httpGet.path, "/readiness");
        assert.strictEqual(container.startupProbe.httpGet.path, "/healthcheck");
        assert.strictEqual(spec.securityContext.runAsNonRoot, true);
        assert.strictEqual(container.securityContext.allowPrivilegeEscalation, false);
        assert.deepStrictEqual(container.resources.limits, { cpu: "1", memory: "1Gi" });
        assert.match(container.env.find((e: any) => e.name === "REDIS_URL").value, /^redis:\/\/federation-redis\.federation\.svc\.cluster\.local:6379$/);
        assert.match((gateway.inputs.spec as any).template.metadata.annotations["agogsaas.io/config-checksum"], /^[0-9a-f]{64}$/);
    });

    it("scales 2-6 on CPU and memory, keeps a PDB, routes /graphql on the host, labels the cache with residency", () => {
        const hpa = byKind(result, "HorizontalPodAutoscaler")[0].inputs.spec as any;
        assert.deepStrictEqual([hpa.minReplicas, hpa.maxReplicas], [2, 6]);
        assert.deepStrictEqual(hpa.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization]), [["cpu", 70], ["memory", 80]]);
        assert.strictEqual((byKind(result, "PodDisruptionBudget")[0].inputs.spec as any).maxUnavailable, 1);
        const rule = (byKind(result, "Ingress")[0].inputs.spec as any).rules[0];
        assert.strictEqual(rule.host, "graphql.us-east.agogsaas.example.com");
        assert.strictEqual(rule.http.paths[0].path, "/graphql");
        const redis = byKind(result, "Deployment").find((d) => d.name === "federation-redis")!;
        const labels = (redis.inputs.metadata as any).labels;
        assert.strictEqual(labels[TAG_RESIDENCY], "us");
        assert.strictEqual(labels[TAG_CLASSIFICATION], "personal");
        assert.strictEqual((redis.inputs.spec as any).template.spec.containers[0].image, "redis:7.4.2-alpine");
        assert.strictEqual(result.outputs.url, "https://graphql.us-east.agogsaas.example.com/graphql");
    });

    it("fences its namespace: in only from the ingress controller to the gateway port, out only to the cache, in-cluster subgraphs and 443", async () => {
        const fenced = await run("federation-fenced", gatewayArgs({ inClusterSubgraphNamespaces: ["agogsaas"], ingressControllerNamespace: "edge-ingress" }));
        const policies = new Map(byKind(fenced, "NetworkPolicy").map((r) => [(r.inputs.metadata as any).name, r.inputs.spec as any]));
        assert.deepStrictEqual([...policies.keys()].sort(), [
            "allow-cache", "allow-cache-clients", "allow-dns", "allow-external-subgraphs", "allow-in-cluster-subgraphs", "allow-ingress-controller", "default-deny",
        ]);
        const gatewayPods = { "app.kubernetes.io/name": "hive-gateway", "app.kubernetes.io/instance": "federation" };
        assert.deepStrictEqual(policies.get("allow-ingress-controller"), {
            podSelector: { matchLabels: gatewayPods }, policyTypes: ["Ingress"],
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge-ingress" } } }], ports: [{ port: GATEWAY_PORT, protocol: "TCP" }] }],
        });
        assert.deepStrictEqual(policies.get("allow-in-cluster-subgraphs").egress, [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "agogsaas" } } }] }]);
        assert.deepStrictEqual(policies.get("allow-external-subgraphs").egress, [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 443, protocol: "TCP" }] }]);
        const namespace = byKind(fenced, "Namespace")[0].inputs.metadata as any;
        assert.strictEqual(namespace.labels["pod-security.kubernetes.io/enforce"], "restricted");
        // What the subgraph's namespace needs to let the gateway in.
        assert.deepStrictEqual(gatewayPeer({}), { namespace: "federation", podLabels: { "app.kubernetes.io/name": "hive-gateway" } });
    });

    describe("rejects bad input before registering anything", () => {
        const cases: [string, Partial<FederationGatewayArgs>, RegExp][] = [
            ["cross-zone personal subgraph", { subgraphs: [region("us-east", "us", "regional"), region("eu-central", "eu", "regional")] },
                /^federation\.subgraphs\[1\]\.sdl: subgraph "eu-central" \(zone "eu"\) exposes type "Order", classified personal, to the federation gateway of zone "us"/],
            ["latest image in production", { image: "ghcr.io/graphql-hive/gateway:latest" }, /^federation\.image: .* uses the tag "latest"/],
            ["untagged redis", { redisImage: "redis" }, /^federation\.redisImage: "redis" has no tag/],
            ["bad hostname", { hostname: "Not A Host" }, /^federation\.hostname: "Not A Host" is not a DNS-1123 subdomain/],
            ["bad peer URL", { subgraphs: [{ ...region("us-east", "us", "aggregate"), url: "not a url" }] }, /^federation\.subgraphs\[0\]\.url: "not a url" is not an http\(s\) URL/],
            ["replica bounds", { replicas: { min: 5, max: 3 } }, /^federation\.replicas\.max: must be >= replicas\.min \(5\)/],
            ["gateway zone", { zone: "moon" as never }, /^federation\.zone: unknown sovereignty zone "moon"/],
            ["ingress controller namespace", { ingressControllerNamespace: "Ingress" }, /^federation\.ingressControllerNamespace: /],
            ["in-cluster subgraph namespaces", { inClusterSubgraphNamespaces: "agogsaas" as never }, /^federation\.inClusterSubgraphNamespaces: must be a list of namespace names/],
            ["in-cluster subgraph namespace", { inClusterSubgraphNamespaces: ["ok", "not_ok"] }, /^federation\.inClusterSubgraphNamespaces\[1\]: /],
        ];
        for (const [label, change, message] of cases) {
            it(label, async () => {
                await assert.rejects(run(`federation-bad-${label.replace(/\W+/g, "-")}`, gatewayArgs(change)), (err: unknown) => {
                    assert.ok(err instanceof SynthError);
                    assert.ok(err.cause instanceof ValidationError, String(err.cause));
                    assert.match(err.message, message);
                    assert.deepStrictEqual(err.partial.resources.filter((r) => r.type !== "pulumi:providers:kubernetes"), [], "nothing but the test's provider registered");
                    return true;
                });
            });
        }
    });
});
