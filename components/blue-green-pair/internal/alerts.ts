/**
 * Health alerts of a BlueGreenPair, from kube-state-metrics (part of kube-prometheus-stack):
 * the active colour down or below its autoscaling floor, and the standby colour not ready to take
 * traffic back (the 2-minute rollback promise needs a running standby). The rules name the
 * colour that is active in the pair's settings, so a switch updates them in the same `pulumi up`.
 */
import { AlertRule, assertPromDuration } from "../../replication/alerts";

/** Thresholds; every field optional with its default. */
export interface BlueGreenAlertThresholds {
    /** How long the active colour may have no available pod before BlueGreenActiveDown fires; default "1m". */
    downFor?: string;
    /** How long the active colour may stay below its autoscaling floor before BlueGreenActiveDegraded fires; default "5m". */
    degradedFor?: string;
    /** How long the standby colour may have fewer available pods than desired before BlueGreenStandbyNotReady fires; default "15m". */
    standbyFor?: string;
}

/** What the rules need of a pair: its resolved settings (BlueGreenPair.settings fits). */
export interface BlueGreenHealthTarget {
    app: string;
    namespace: string;
    activeColor: Color;
    colors: ReadonlyArray<{ color: Color; replicas: number }>;
    autoscaling: { minReplicas: number };
}

/** blue or green (a string here: this module does not depend on the component). */
type Color = string;

/** The pair's health rules; Deployments are named `<app>-<colour>` (BlueGreenPair's naming). */
export function blueGreenAlertRules(pair: BlueGreenHealthTarget, thresholds: BlueGreenAlertThresholds = {}): AlertRule[] {
    const downFor = assertPromDuration("thresholds.downFor", thresholds.downFor ?? "1m");
    const degradedFor = assertPromDuration("thresholds.degradedFor", thresholds.degradedFor ?? "5m");
    const standbyFor = assertPromDuration("thresholds.standbyFor", thresholds.standbyFor ?? "15m");
    const selector = (color: Color) => `{namespace="${pair.namespace}", deployment="${pair.app}-${color}"}`;
    const available = (color: Color) => `max(kube_deployment_status_replicas_available${selector(color)})`;
    const desired = (color: Color) => `max(kube_deployment_spec_replicas${selector(color)})`;
    const active = pair.activeColor;
    const rules: AlertRule[] = [
        {
            alert: "BlueGreenActiveDown",
            expr: `${available(active)} < 1`,
            for: downFor, labels: { severity: "critical", app: pair.app },
            annotations: {
                summary: `${pair.app}: the active colour (${active}) has no available pod`,
                description: `Every request to ${pair.app} fails. Switch activeColor back if the other colour runs the previous version, or fix ${pair.app}-${active}.`,
            },
        },
        {
            alert: "BlueGreenActiveDegraded",
            expr: `${available(active)} < ${pair.autoscaling.minReplicas}`,
            for: degradedFor, labels: { severity: "warning", app: pair.app },
            annotations: {
                summary: `${pair.app}: the active colour (${active}) runs below its floor`,
                description: `{{ printf "%.0f" $value }} available pod(s) of ${pair.app}-${active}, fewer than autoscaling.minReplicas (${pair.autoscaling.minReplicas}).`,
            },
        },
    ];
    const standby = pair.colors.find((c) => c.color !== active && c.replicas > 0);
    if (standby !== undefined) {
        rules.push({
            alert: "BlueGreenStandbyNotReady",
            expr: `${available(standby.color)} < ${desired(standby.color)}`,
            for: standbyFor, labels: { severity: "warning", app: pair.app },
            annotations: {
                summary: `${pair.app}: the standby colour (${standby.color}) is not ready`,
                description: `{{ printf "%.0f" $value }} available pod(s) of ${pair.app}-${standby.color}, fewer than desired: a rollback to it would not be instant.`,
            },
        });
    }
    return rules;
}
