/**
 * Each regional stack makes the mesh alerts real: the PrometheusRule with the alerts of
 * meshAlertRules(), one prometheus-postgres-exporter per mesh database whose custom queries
 * produce every metric (and label) the rules use, the exporter's password only in a Kubernetes
 * Secret, and the least-privilege monitoring role. Real Pulumi.<stack>.yaml files, the real
 * program, the mock runtime. Bad MeshMonitoring args are refused before anything is registered.
 */
import * as assert from "assert";
import * as path from "path";
import { parse } from "yaml";
import { synthesize, SynthError, SynthResource, SynthResult } from "../tools/synth/mock-runtime";
import { loadStackConfigFiles } from "../tools/synth/stack-config";
import { runStack } from "../stacks/program";
import { CHARTS } from "../components/regional-cluster/internal/addons";
import { RegionalCluster } from "../components/regional-cluster/regional-cluster";
import { meshAlertRules } from "../components/replication/alerts";
import { EXPORTER_CHART, MeshMonitoring, MeshMonitoringArgs } from "../components/replication/monitoring";
import { formatSchemaErrors, validateKubernetesResources } from "./support/k8s-schema";
import { EDGE_NODE_PATTERN } from "../stacks/mesh";
import { isPgResourceType } from "../components/postgres/providers/resource-types";

const ROOT = path.join(__dirname, "..");
const STACKS = ["us-east", "eu-central", "apac"];
const RELEASE = "kubernetes:helm.sh/v3:Release";

interface ExporterValues {
    config: {
        datasource: { host: string; port: string; database: string; user: string; sslmode: string; password?: unknown; passwordSecret: { name: string; key: string } };
        extraArgs: string[];
    };
    extraVolumes: Array<{ name: string; configMap: { name: string } }>;
    extraVolumeMounts: Array<{ name: string; mountPath: string; readOnly: boolean }>;
    serviceMonitor: { enabled: boolean };
}

type QueryFile = Record<string, { query: string; metrics: Array<Record<string, { usage: string }>> }>;

function only(r: SynthResult, predicate: (x: SynthResource) => boolean, what: string): SynthResource {
    const found = r.resources.filter(predicate);
    assert.strictEqual(found.length, 1, `exactly one ${what}, got ${found.length}`);
    return found[0];
}

/** Metric name => LABEL columns of the query producing it, as postgres_exporter names them (`<query>_<column>`). */
function producedMetrics(file: QueryFile): Map<string, string[]> {
    const produced = new Map<string, string[]>();
    for (const [prefix, query] of Object.entries(file)) {
        const columns = query.metrics.map((m) => Object.entries(m)[0]);
        const labels = columns.filter(([, spec]) => spec.usage === "LABEL").map(([column]) => column);
        for (const [column, spec] of columns) if (spec.usage !== "LABEL") produced.set(`${prefix}_${column}`, labels);
    }
    return produced;
}

describe("regional stacks install the mesh monitoring (mock runtime)", () => {
    const results: Record<string, SynthResult> = {};
    before(async () => {
        for (const stack of STACKS) {
            results[stack] = await synthesize({ project: "agogsaas", stack, config: loadStackConfigFiles(stack, ROOT).config, program: runStack });
        }
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            const exporters = () => results[stack].resources.filter((x) => x.type === RELEASE && x.inputs.chart === EXPORTER_CHART.chart);
            const valuesOf = (release: SynthResource) => release.inputs.values as unknown as ExporterValues;
            const queriesOf = (r: SynthResult): { configMap: SynthResource; file: QueryFile } => {
                const configMap = only(r, (x) => x.type === "kubernetes:core/v1:ConfigMap" && x.name === "mesh-monitoring-queries", "queries ConfigMap");
                const data = (configMap.inputs as { data: Record<string, string> }).data;
                return { configMap, file: parse(data["queries.yaml"]) as QueryFile };
            };

            it("has the PrometheusRule with every mesh alert (EdgeOffline included), in kube-prometheus-stack's namespace, selected by it", () => {
                const r = results[stack];
                const rule = only(r, (x) => x.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && x.name === "mesh-monitoring-alerts", "mesh PrometheusRule");
                const inputs = rule.inputs as { metadata: { namespace: string }; spec: { groups: Array<{ rules: Array<{ alert: string; expr: string; for: string }> }> } };
                assert.strictEqual(inputs.metadata.namespace, "monitoring");
                const rules = inputs.spec.groups.flatMap((g) => g.rules);
                const expected = meshAlertRules({}, { edgeNodes: EDGE_NODE_PATTERN });
                assert.deepStrictEqual(rules.map((x) => x.alert).sort(), expected.map((x) => x.alert).sort());
                // Thresholds are test/monitoring/promtool.test.ts's subject; retained WAL follows the server's budget.
                const sameExpr = (x: { alert: string }) => x.alert !== "MeshSlotRetainedWalHigh";
                assert.deepStrictEqual(rules.filter(sameExpr).map((x) => x.expr).sort(), expected.filter(sameExpr).map((x) => x.expr).sort());
                const kps = only(r, (x) => x.type === RELEASE && x.inputs.chart === CHARTS.monitoring.chart, "kube-prometheus-stack");
                assert.ok(rule.dependencies.includes(kps.urn), "the rule waits for the PrometheusRule CRD");
                const spec = (kps.inputs.values as any).prometheus.prometheusSpec;
                assert.strictEqual(spec.ruleSelectorNilUsesHelmValues, false, "Prometheus picks up rules of other releases");
                assert.strictEqual(spec.serviceMonitorSelectorNilUsesHelmValues, false, "Prometheus scrapes ServiceMonitors of other releases");
            });

            it("runs one pinned exporter per mesh database of the server, scraped through its ServiceMonitor", () => {
                const r = results[stack];
                const releases = exporters();
                const databases = releases.map((x) => valuesOf(x).config.datasource.database).sort();
                assert.deepStrictEqual(databases, ["agogsaas_peering", "backend_blue", "backend_green"]);
                const server = String((r.outputs.databaseEndpoints as { server: string }).server);
                const kps = only(r, (x) => x.type === RELEASE && x.inputs.chart === CHARTS.monitoring.chart, "kube-prometheus-stack");
                for (const release of releases) {
                    assert.strictEqual(release.inputs.version, EXPORTER_CHART.version);
                    assert.match(String(release.inputs.version), /^\d+\.\d+\.\d+$/, "an exact chart version");
                    assert.deepStrictEqual(release.inputs.repositoryOpts, { repo: "https://prometheus-community.github.io/helm-charts" });
                    assert.strictEqual(release.inputs.namespace, "monitoring");
                    const values = valuesOf(release);
                    assert.strictEqual(values.serviceMonitor.enabled, true);
                    assert.strictEqual(`${values.config.datasource.host}:${values.config.datasource.port}`, server, "the regional server");
                    assert.strictEqual(values.config.datasource.sslmode, "require");
                    assert.ok(release.dependencies.includes(kps.urn), "waits for the ServiceMonitor CRD");
                }
            });

            it("feeds the exporters the custom queries, which produce every metric and label the rules use", () => {
                const r = results[stack];
                const { configMap, file } = queriesOf(r);
                const name = (configMap.inputs as { metadata: { name: string } }).metadata.name;
                for (const release of exporters()) {
                    const values = valuesOf(release);
                    const volume = values.extraVolumes.find((v) => v.configMap?.name === name);
                    assert.ok(volume, `${release.name} mounts ${name}`);
                    const mount = values.extraVolumeMounts.find((m) => m.name === volume.name);
                    assert.ok(mount, `${release.name} mounts the volume`);
                    assert.ok(values.config.extraArgs.includes(`--extend.query-path=${mount.mountPath}/queries.yaml`), values.config.extraArgs.join(" "));
                }
                const produced = producedMetrics(file);
                const used = new Set<string>();
                for (const rule of meshAlertRules()) {
                    const metrics = rule.expr.match(/agogsaas_mesh_[a-z_]+/g) ?? [];
                    assert.ok(metrics.length > 0, `${rule.alert} uses a mesh metric`);
                    for (const metric of metrics) {
                        used.add(metric);
                        assert.ok(produced.has(metric), `${rule.alert}: ${metric} is produced by the queries (${[...produced.keys()].join(", ")})`);
                        const labels = [
                            ...(/by \(([^)]*)\)/.exec(rule.expr)?.[1].split(",").map((l) => l.trim()) ?? []),
                            ...[...`${rule.annotations.summary} ${rule.annotations.description}`.matchAll(/\$labels\.([a-z_]+)/g)].map((m) => m[1]),
                        ];
                        for (const label of labels) assert.ok(produced.get(metric)!.includes(label), `${rule.alert}: ${metric} carries label ${label}`);
                    }
                }
                assert.ok(used.size >= 6, `the rules use ${[...used].join(", ")}`);
            });

            it("delivers the password through a Kubernetes Secret only, for a pg_monitor role with a secret password", () => {
                const r = results[stack];
                const secret = only(r, (x) => x.type === "kubernetes:core/v1:Secret" && x.name === "mesh-monitoring-credentials", "exporter Secret");
                assert.ok(secret.secretPaths.includes("stringData"), `secret paths ${secret.secretPaths.join(", ")}`);
                const secretMeta = (secret.inputs as { metadata: { name: string; namespace: string } }).metadata;
                assert.strictEqual(secretMeta.namespace, "monitoring");
                const role = only(r, (x) => isPgResourceType(x.type) && x.name === "mesh-monitoring-role", "monitoring role");
                assert.ok(role.secretPaths.includes("password"), `role secret paths ${role.secretPaths.join(", ")}`);
                assert.ok(role.secretPaths.includes("connection"), "the admin connection stays secret");
                const roleName = String(role.inputs.roleName);
                assert.strictEqual(roleName, "agogsaas_monitor");
                const releases = exporters();
                assert.deepStrictEqual([...(role.inputs.databases as string[])].sort(), releases.map((x) => valuesOf(x).config.datasource.database).sort(),
                    "CONNECT on exactly the scraped databases");
                for (const release of releases) {
                    const datasource = valuesOf(release).config.datasource;
                    assert.strictEqual(datasource.user, roleName, "the exporter logs in as the monitoring role, never the admin");
                    assert.deepStrictEqual(datasource.passwordSecret, { name: secretMeta.name, key: "password" });
                    assert.strictEqual(datasource.password, undefined, "no password in the chart values");
                    assert.deepStrictEqual(release.secretPaths, [], "nothing secret in the release values");
                    assert.ok(release.dependencies.includes(secret.urn) && release.dependencies.includes(role.urn), "installed after the Secret and the role");
                }
            });

            it("renders Kubernetes objects that pass the API schemas", () => {
                const report = validateKubernetesResources(results[stack]);
                assert.deepStrictEqual(report.errors, [], formatSchemaErrors(report));
            });
        });
    }
});

describe("MeshMonitoring refuses bad args before registering anything", () => {
    const connection = { host: "db.example.invalid", port: 5432, database: "postgres", user: "agogadmin", password: "x", ssl: "require" as const };

    async function rejected(monitoring: boolean, args: Partial<MeshMonitoringArgs>, name = "mesh-monitoring"): Promise<string> {
        try {
            await synthesize({
                project: "agogsaas", stack: "test",
                program: () => {
                    const cluster = new RegionalCluster("region", { cloud: "aws", zone: "us", region: "us-east-1", addons: { monitoring } });
                    new MeshMonitoring(name, { cluster, connection, databases: { blue: "backend_blue" }, ...args });
                    return {};
                },
            });
        } catch (err) {
            assert.ok(err instanceof SynthError, `expected a SynthError, got ${String(err)}`);
            const mine = err.partial.resources.filter((x) => x.name.startsWith(name) || x.type === "agogsaas:replication:MeshMonitoring");
            assert.deepStrictEqual(mine.map((x) => x.name), [], "nothing of the monitoring registered");
            assert.ok(err.partial.resources.some((x) => x.type === "agogsaas:regional:RegionalCluster"), "the cluster itself was fine");
            return err.message;
        }
        assert.fail("MeshMonitoring should have been rejected");
    }

    it("without the monitoring add-on", async () => {
        assert.match(await rejected(false, {}), /addons\.monitoring.*monitoring add-on/);
    });
    it("a role name with the reserved pg_ prefix or not an identifier", async () => {
        assert.match(await rejected(true, { roleName: "pg_monitor" }), /roleName.*pg_ prefix/);
        assert.match(await rejected(true, { roleName: "monitor; DROP ROLE x" }), /roleName.*not a plain SQL identifier/);
    });
    it("no database, a bad database name or key", async () => {
        assert.match(await rejected(true, { databases: {} }), /databases.*at least one/);
        assert.match(await rejected(true, { databases: { blue: "Backend-Blue" } }), /databases\.blue.*not a plain SQL identifier/);
        assert.match(await rejected(true, { databases: { Blue_DB: "backend_blue" } }), /databases key "Blue_DB".*DNS-1123 label/);
    });
    it("a threshold that is not a positive number or a duration, an edge pattern that is not a regular expression", async () => {
        assert.match(await rejected(true, { thresholds: { lagSeconds: -1 } }), /thresholds\.lagSeconds.*positive number/);
        assert.match(await rejected(true, { thresholds: { retainedBytes: Number.NaN } }), /thresholds\.retainedBytes.*positive number/);
        assert.match(await rejected(true, { thresholds: { edgeOfflineSeconds: 0 } }), /thresholds\.edgeOfflineSeconds.*positive number/);
        assert.match(await rejected(true, { thresholds: { for: "5 minutes" } }), /thresholds\.for.*Prometheus duration/);
        assert.match(await rejected(true, { edgeNodes: "edge_(" }), /edgeNodes.*not a regular expression/);
        assert.match(await rejected(true, { edgeNodes: 'edge"}' }), /edgeNodes.*without quotes/);
    });
    it("a component name that cannot prefix Kubernetes objects", async () => {
        assert.match(await rejected(true, {}, "Mesh_Monitoring"), /name.*DNS-1123 label/);
    });
});
