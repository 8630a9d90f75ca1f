/**
 * The Prometheus rules each regional stack deploys, evaluated by Prometheus's own rule engine
 * (`promtool test rules`, promtool 3.16.0 built from the Go module proxy). The rule files are the
 * PrometheusRule objects of the real program (mock runtime synth of Pulumi.<stack>.yaml); the
 * thresholds the scenarios probe come from the library's config for that stack (resolved
 * RegionalCluster and BlueGreenPair settings, mesh defaults), not from the rendered rules. Each
 * alert fires just above its threshold, stays quiet at it, and waits for its `for`.
 */
import * as assert from "assert";
import * as path from "path";
import { synthesize, SynthResult } from "../../tools/synth/mock-runtime";
import { loadStackConfigFiles } from "../../tools/synth/stack-config";
import { runStack } from "../../stacks/program";
import { parseStackConfig, APPS } from "../../stacks/config";
import { planRegional } from "../../stacks/regional";
import { edgeNodeName, colourNodeName } from "../../stacks/mesh";
import { resolveRegionalClusterArgs } from "../../components/regional-cluster/regional-cluster";
import { resolveBlueGreenArgs, ResolvedBlueGreenArgs } from "../../components/blue-green-pair/blue-green-pair";
import { resolveMeshAlertThresholds, meshAlertRules, AlertRule } from "../../components/replication/alerts";
import { RETAINED_WAL_WARN_SHARE } from "../../components/replication/monitoring";
import { promtoolPath, renderAnnotation, runPromtool } from "../support/promtool";

const ROOT = path.join(__dirname, "..", "..");
const STACKS = ["us-east", "eu-central", "apac"];
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const MIB = 1024 * 1024;

interface RuleGroup { name: string; rules: AlertRule[] }
interface Series { series: string; values: string }
interface Firing { labels: Record<string, string>; value: number }
interface AlertTest { eval_time: string; alertname: string; exp_alerts: Array<{ exp_labels: Record<string, string>; exp_annotations: Record<string, string> }> }
interface TestGroup { name: string; interval: string; input_series: Series[]; alert_rule_test: AlertTest[] }

function seriesName(metric: string, labels: Record<string, string>): string {
    return `${metric}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(", ")}}`;
}

/** A constant series of 60 one-minute samples. */
function constant(metric: string, labels: Record<string, string>, value: number): Series {
    return { series: seriesName(metric, labels), values: `${value}+0x60` };
}

function minutes(duration: string): number {
    const match = /^(\d+)m$/.exec(duration);
    assert.ok(match, `the scenarios expect a "for" in whole minutes, got ${duration}`);
    return Number(match[1]);
}

/** The expected alerts of `rule` at `at`: labels and annotations as Prometheus renders them. */
function expect(rule: AlertRule, at: number, firing: Firing[]): AlertTest {
    return {
        eval_time: `${at}m`,
        alertname: rule.alert,
        exp_alerts: firing.map((f) => {
            const labels = { ...rule.labels, ...f.labels };
            return {
                exp_labels: labels,
                exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([key, text]) => [key, renderAnnotation(text, labels, f.value)])),
            };
        }),
    };
}

/** Pending before `for` has passed, firing after it: the condition holds from the first sample. */
function pendingThenFiring(rule: AlertRule, firing: Firing[]): AlertTest[] {
    const holdFor = minutes(rule.for);
    return [expect(rule, Math.max(0, holdFor - 1), []), expect(rule, holdFor + 2, firing)];
}

describe("alert rules evaluated by promtool (the rules each regional stack deploys)", function () {
    // The first use builds promtool when `npm test`'s pretest has not (several minutes cold).
    this.timeout(30 * 60_000);
    let promtool: string;
    before(() => {
        promtool = promtoolPath();
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            let groups: RuleGroup[];
            const byName = new Map<string, AlertRule>();
            let pairs: ResolvedBlueGreenArgs[];
            let walBudgetMb: number;
            before(async () => {
                const raw = loadStackConfigFiles(stack, ROOT).config;
                const synth: SynthResult = await synthesize({ project: "agogsaas", stack, config: raw, program: runStack });
                groups = synth.resources
                    .filter((r) => r.type === PROMETHEUS_RULE)
                    .flatMap((r) => (r.inputs as { spec: { groups: RuleGroup[] } }).spec.groups);
                for (const group of groups) for (const rule of group.rules) byName.set(`${group.name}/${rule.alert}`, rule);
                const plan = planRegional(parseStackConfig(raw, stack));
                walBudgetMb = resolveRegionalClusterArgs(plan.clusterArgs).database.maxSlotWalKeepSizeMb;
                pairs = APPS.map((app) => resolveBlueGreenArgs(app, plan.apps[app]));
            });
            const rule = (group: string, alert: string): AlertRule => {
                const found = byName.get(`${group}/${alert}`);
                assert.ok(found, `the stack deploys no alert ${alert} in group ${group} (has: ${[...byName.keys()].join(", ")})`);
                return found;
            };
            const test = (tests: TestGroup[]) => {
                const run = runPromtool(promtool, {
                    "rules.yaml": { groups },
                    "tests.yaml": { rule_files: ["rules.yaml"], evaluation_interval: "1m", tests },
                }, ["test", "rules", "tests.yaml"]);
                assert.strictEqual(run.status, 0, `promtool test rules failed:\n${run.output}`);
                assert.match(run.output, /SUCCESS/);
            };

            it("promtool check rules accepts the deployed rule groups, which hold the mesh, edge and blue/green alerts", () => {
                const run = runPromtool(promtool, { "rules.yaml": { groups } }, ["check", "rules", "rules.yaml"]);
                assert.strictEqual(run.status, 0, run.output);
                assert.match(run.output, /SUCCESS: \d+ rules found/);
                const mesh = meshAlertRules({}, { edgeNodes: "edge_.+" }).map((r) => `agogsaas-replication-mesh/${r.alert}`);
                const blueGreen = pairs.flatMap((p) => ["BlueGreenActiveDown", "BlueGreenActiveDegraded", ...(p.colors.some((c) => c.color !== p.activeColor && c.replicas > 0) ? ["BlueGreenStandbyNotReady"] : [])]
                    .map((alert) => `${p.app}-blue-green/${alert}`));
                assert.deepStrictEqual([...byName.keys()].sort(), [...mesh, ...blueGreen].sort());
            });

            it("a mistyped rule is refused by promtool check rules (the check can fail)", () => {
                const broken = [{ name: "broken", rules: [{ ...groups[0].rules[0], expr: `${groups[0].rules[0].expr} >` }] }];
                const run = runPromtool(promtool, { "rules.yaml": { groups: broken } }, ["check", "rules", "rules.yaml"]);
                assert.notStrictEqual(run.status, 0, run.output);
            });

            it("lag, backlog and retained WAL alert just above the config's thresholds, once per slot, after their `for`", () => {
                const defaults = resolveMeshAlertThresholds();
                const retained = Math.floor(walBudgetMb * MIB * RETAINED_WAL_WARN_SHARE);
                const cases: Array<[string, string, number]> = [
                    ["MeshReplicationLagHigh", "agogsaas_mesh_sender_replay_lag_seconds", defaults.lagSeconds],
                    ["MeshReplicationBacklogHigh", "agogsaas_mesh_slot_lag_bytes", defaults.lagBytes],
                    ["MeshSlotRetainedWalHigh", "agogsaas_mesh_slot_retained_bytes", retained],
                ];
                test(cases.map(([alert, metric, threshold]) => ({
                    name: alert, interval: "1m",
                    input_series: [
                        // Two exporters (blue and green database) report the same server-wide slot.
                        constant(metric, { slot_name: "mesh_hot", instance: "exporter-blue" }, threshold + 1),
                        constant(metric, { slot_name: "mesh_hot", instance: "exporter-green" }, threshold + 1),
                        constant(metric, { slot_name: "mesh_at_threshold", instance: "exporter-blue" }, threshold),
                    ],
                    alert_rule_test: pendingThenFiring(rule("agogsaas-replication-mesh", alert), [{ labels: { slot_name: "mesh_hot" }, value: threshold + 1 }]),
                })));
            });

            it("a disabled subscription, repeated apply errors and a lost slot alert; healthy ones do not", () => {
                const disabled = rule("agogsaas-replication-mesh", "MeshSubscriptionDisabled");
                const errors = rule("agogsaas-replication-mesh", "MeshApplyErrors");
                const lost = rule("agogsaas-replication-mesh", "MeshSlotLost");
                test([
                    {
                        name: "disabled", interval: "1m",
                        input_series: [
                            constant("agogsaas_mesh_subscription_enabled", { subscription: "mesh_a_to_b" }, 0),
                            constant("agogsaas_mesh_subscription_enabled", { subscription: "mesh_c_to_d" }, 1),
                        ],
                        alert_rule_test: pendingThenFiring(disabled, [{ labels: { subscription: "mesh_a_to_b" }, value: 0 }]),
                    },
                    {
                        name: "apply errors", interval: "1m",
                        input_series: [
                            // One error a minute: 15 in the 15-minute window; one every ten minutes: 1.5.
                            { series: seriesName("agogsaas_mesh_subscription_apply_errors", { subscription: "mesh_a_to_b" }), values: "0+1x60" },
                            { series: seriesName("agogsaas_mesh_subscription_apply_errors", { subscription: "mesh_c_to_d" }), values: "0+0.1x60" },
                        ],
                        alert_rule_test: [expect(errors, 2, []), expect(errors, 25, [{ labels: { subscription: "mesh_a_to_b" }, value: 15 }])],
                    },
                    {
                        name: "lost slot", interval: "1m",
                        input_series: [
                            constant("agogsaas_mesh_slot_lost", { slot_name: "mesh_a_to_b", instance: "exporter-blue" }, 1),
                            constant("agogsaas_mesh_slot_lost", { slot_name: "mesh_c_to_d", instance: "exporter-blue" }, 0),
                        ],
                        alert_rule_test: pendingThenFiring(lost, [{ labels: { slot_name: "mesh_a_to_b" }, value: 1 }]),
                    },
                ]);
            });

            it("EdgeOffline: an edge without a connected worker or silent past edgeOfflineSeconds alerts, named; a live edge, a disabled subscription and a regional flow do not", () => {
                const offline = rule("agogsaas-replication-mesh", "EdgeOffline");
                const { edgeOfflineSeconds } = resolveMeshAlertThresholds();
                const region = colourNodeName(stack, "blue");
                const subscription = (facility: string) => `mesh_${edgeNodeName(facility)}_to_${region}`;
                const edge = (facility: string, age: number, enabled: number): Series[] => [
                    constant("agogsaas_mesh_subscription_last_message_age_seconds", { subscription: subscription(facility) }, age),
                    constant("agogsaas_mesh_subscription_enabled", { subscription: subscription(facility) }, enabled),
                ];
                const regional = `mesh_${colourNodeName(stack, "green")}_to_${region}`;
                test([{
                    name: "edge offline", interval: "1m",
                    input_series: [
                        ...edge("facility-down-001", -1, 1),
                        ...edge("facility-silent-001", edgeOfflineSeconds + 100, 1),
                        ...edge("facility-live-001", 20, 1),
                        ...edge("facility-at-limit-001", edgeOfflineSeconds, 1),
                        ...edge("facility-parked-001", -1, 0),
                        constant("agogsaas_mesh_subscription_last_message_age_seconds", { subscription: regional }, -1),
                        constant("agogsaas_mesh_subscription_enabled", { subscription: regional }, 1),
                    ],
                    alert_rule_test: pendingThenFiring(offline, ["facility-down-001", "facility-silent-001"].map((facility) => ({
                        labels: { subscription: subscription(facility), edge: edgeNodeName(facility) }, value: 0,
                    }))),
                }]);
            });

            it("blue/green: the active colour down or below autoscaling.minReplicas alerts, the standby not ready alerts, a healthy pair does not", () => {
                const tests: TestGroup[] = [];
                for (const pair of pairs) {
                    const group = `${pair.app}-blue-green`;
                    const down = rule(group, "BlueGreenActiveDown");
                    const degraded = rule(group, "BlueGreenActiveDegraded");
                    const min = pair.autoscaling.minReplicas;
                    assert.ok(min >= 2, `${pair.app}: the degraded scenario needs minReplicas >= 2, got ${min}`);
                    const standby = pair.colors.find((c) => c.color !== pair.activeColor && c.replicas > 0);
                    const deployment = (color: string, available: number, desired: number): Series[] => {
                        const labels = { namespace: pair.namespace, deployment: `${pair.app}-${color}`, job: "kube-state-metrics" };
                        return [constant("kube_deployment_status_replicas_available", labels, available), constant("kube_deployment_spec_replicas", labels, desired)];
                    };
                    const standbySeries = (available: number) => (standby ? deployment(standby.color, available, standby.replicas) : []);
                    const app = { app: pair.app };
                    const standbyTests = (firing: Firing[]): AlertTest[] => (standby ? [expect(rule(group, "BlueGreenStandbyNotReady"), 30, firing)] : []);
                    tests.push(
                        {
                            name: `${pair.app} healthy`, interval: "1m",
                            input_series: [...deployment(pair.activeColor, min, min), ...standbySeries(standby?.replicas ?? 0)],
                            alert_rule_test: [expect(down, 30, []), expect(degraded, 30, []), ...standbyTests([])],
                        },
                        {
                            name: `${pair.app} active down`, interval: "1m",
                            input_series: [...deployment(pair.activeColor, 0, min), ...standbySeries(standby?.replicas ?? 0)],
                            alert_rule_test: [...pendingThenFiring(down, [{ labels: app, value: 0 }]), ...pendingThenFiring(degraded, [{ labels: app, value: 0 }])],
                        },
                        {
                            name: `${pair.app} active degraded`, interval: "1m",
                            input_series: [...deployment(pair.activeColor, min - 1, min), ...standbySeries(standby?.replicas ?? 0)],
                            alert_rule_test: [expect(down, 10, []), ...pendingThenFiring(degraded, [{ labels: app, value: min - 1 }])],
                        },
                    );
                    if (standby) {
                        const notReady = rule(group, "BlueGreenStandbyNotReady");
                        tests.push({
                            name: `${pair.app} standby not ready`, interval: "1m",
                            input_series: [...deployment(pair.activeColor, min, min), ...standbySeries(standby.replicas - 1)],
                            alert_rule_test: [expect(down, 30, []), ...pendingThenFiring(notReady, [{ labels: app, value: standby.replicas - 1 }])],
                        });
                    }
                }
                test(tests);
            });
        });
    }
});
