/**
 * Prometheus side of the mesh: the postgres_exporter custom queries that expose per-slot and
 * per-subscription figures, and the alert rules on them, as data (one source for both), plus a
 * PrometheusRule manifest the regional monitoring stack (kube-prometheus-stack) installs.
 *
 * Metric names are ours (`agogsaas_mesh_*`), produced by {@link exporterQueries} via
 * postgres_exporter's `--extend.query-path` file, so the rules do not depend on which built-in
 * collectors a given exporter version ships.
 */
import { stringify } from "yaml";
import { ValidationError } from "../shared/errors";

/** Thresholds; every field optional with its default. */
export interface MeshAlertThresholds {
    /** Apply lag (seconds) that warns; default 5 (the platform's promise). */
    lagSeconds?: number;
    /** Unconfirmed WAL (bytes) on a slot that warns; default 256 MiB. */
    lagBytes?: number;
    /** WAL retained by a slot (bytes) that warns; default 1 GiB (MeshMonitoring: 80% of the server's max_slot_wal_keep_size). */
    retainedBytes?: number;
    /** Seconds without a message from an edge's publisher before the edge counts as offline; default 300. */
    edgeOfflineSeconds?: number;
    /** How long a condition must hold before firing; default "5m" ("1m" for lost slots). */
    for?: string;
}

/** Which subscriptions of the mesh the edge alerts watch; every field optional with its default. */
export interface MeshAlertScope {
    /** Regular expression (PromQL/RE2, anchored) of the edge node names, e.g. `edge_.+`; their subscriptions `mesh_<edge>_to_<node>` get EdgeOffline. Default none (no edge alert). */
    edgeNodes?: string;
}

/** A Prometheus duration as rules take it: `30s`, `5m`, `1h30m`. */
const PROM_DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;

/** `value`, checked to be a Prometheus duration (the error names `field`). */
export function assertPromDuration(field: string, value: string): string {
    if (typeof value !== "string" || !PROM_DURATION.test(value)) {
        throw new ValidationError(field, `must be a Prometheus duration such as "5m" or "1h30m", got ${JSON.stringify(value)}`);
    }
    return value;
}

function positiveNumber(field: string, value: number | undefined, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
        throw new ValidationError(field, `must be a positive number, got ${JSON.stringify(value)}`);
    }
    return value;
}

/** The thresholds with defaults filled, each checked (errors name `thresholds.<field>`). */
export function resolveMeshAlertThresholds(thresholds: MeshAlertThresholds = {}): Required<MeshAlertThresholds> {
    if (thresholds === null || typeof thresholds !== "object") throw new ValidationError("thresholds", "must be an object of thresholds");
    const holdFor = assertPromDuration("thresholds.for", thresholds.for ?? "5m");
    return {
        lagSeconds: positiveNumber("thresholds.lagSeconds", thresholds.lagSeconds, 5),
        lagBytes: positiveNumber("thresholds.lagBytes", thresholds.lagBytes, 256 * 1024 * 1024),
        retainedBytes: positiveNumber("thresholds.retainedBytes", thresholds.retainedBytes, 1024 * 1024 * 1024),
        edgeOfflineSeconds: positiveNumber("thresholds.edgeOfflineSeconds", thresholds.edgeOfflineSeconds, 300),
        for: holdFor,
    };
}

/** The edge-name pattern, checked: a regular expression that fits in a PromQL string. */
export function assertEdgeNodePattern(field: string, pattern: string): string {
    if (typeof pattern !== "string" || pattern.length === 0 || /["\\\n`]/.test(pattern)) {
        throw new ValidationError(field, `must be a non-empty regular expression without quotes, backslashes or newlines (e.g. "edge_.+"), got ${JSON.stringify(pattern)}`);
    }
    try {
        new RegExp(`^(?:${pattern})$`);
    } catch (err) {
        throw new ValidationError(field, `is not a regular expression: ${(err as Error).message}`);
    }
    return pattern;
}

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    /** `severity`, plus labels that route the alert (e.g. `app`). */
    labels: { severity: "warning" | "critical"; [label: string]: string };
    annotations: { summary: string; description: string };
}

/** postgres_exporter custom queries (`queries.yaml` shape): metric `<key>_<column>`. */
export function exporterQueries(): Record<string, unknown> {
    return {
        agogsaas_mesh_slot: {
            query: "SELECT slot_name, database, coalesce(wal_status, 'unknown') AS wal_status, " +
                "CASE WHEN active THEN 1 ELSE 0 END AS active, " +
                "CASE WHEN wal_status = 'lost' THEN 1 ELSE 0 END AS lost, " +
                "coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0) AS retained_bytes, " +
                "coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn), 0) AS lag_bytes " +
                "FROM pg_replication_slots WHERE slot_type = 'logical' AND slot_name LIKE 'mesh\\_%'",
            metrics: [
                { slot_name: { usage: "LABEL", description: "Replication slot (= subscription) name" } },
                { database: { usage: "LABEL", description: "Publishing database" } },
                { wal_status: { usage: "LABEL", description: "reserved, extended, unreserved or lost" } },
                { active: { usage: "GAUGE", description: "1 when a subscriber is connected" } },
                { lost: { usage: "GAUGE", description: "1 when the slot lost WAL (rebuild with full copy needed)" } },
                { retained_bytes: { usage: "GAUGE", description: "WAL kept for the slot" } },
                { lag_bytes: { usage: "GAUGE", description: "WAL not yet confirmed applied by the subscriber" } },
            ],
        },
        agogsaas_mesh_sender: {
            query: "SELECT application_name AS slot_name, coalesce(extract(epoch FROM replay_lag), 0) AS replay_lag_seconds " +
                "FROM pg_stat_replication WHERE application_name LIKE 'mesh\\_%'",
            metrics: [
                { slot_name: { usage: "LABEL", description: "Subscription name" } },
                { replay_lag_seconds: { usage: "GAUGE", description: "Apply lag measured by the walsender" } },
            ],
        },
        agogsaas_mesh_subscription: {
            query: "SELECT s.subname AS subscription, CASE WHEN s.subenabled THEN 1 ELSE 0 END AS enabled, " +
                "coalesce(extract(epoch FROM now() - max(st.last_msg_receipt_time)), -1) AS last_message_age_seconds, " +
                "coalesce(max(ss.apply_error_count), 0) AS apply_errors " +
                "FROM pg_subscription s LEFT JOIN pg_stat_subscription st ON st.subid = s.oid " +
                "LEFT JOIN pg_stat_subscription_stats ss ON ss.subid = s.oid " +
                "WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) GROUP BY s.subname, s.subenabled",
            metrics: [
                { subscription: { usage: "LABEL", description: "Subscription name" } },
                { enabled: { usage: "GAUGE", description: "1 when enabled (0: disabled, e.g. by disable_on_error)" } },
                { last_message_age_seconds: { usage: "GAUGE", description: "Seconds since the last message from the publisher (-1: no worker)" } },
                { apply_errors: { usage: "COUNTER", description: "Errors of the apply worker (conflicts, lost connections), cumulative" } },
            ],
        },
    };
}

/**
 * The alert rules: lag (time and bytes), retained WAL, disabled subscription, repeated apply
 * errors, lost slot, and (with `scope.edgeNodes`) an edge whose publisher has gone silent.
 */
export function meshAlertRules(thresholds: MeshAlertThresholds = {}, scope: MeshAlertScope = {}): AlertRule[] {
    const { lagSeconds, lagBytes, retainedBytes: retained, edgeOfflineSeconds, for: holdFor } = resolveMeshAlertThresholds(thresholds);
    const edgeNodes = scope.edgeNodes === undefined ? undefined : assertEdgeNodePattern("edgeNodes", scope.edgeNodes);
    return [
        {
            alert: "MeshReplicationLagHigh",
            expr: `max by (slot_name) (agogsaas_mesh_sender_replay_lag_seconds) > ${lagSeconds}`,
            for: holdFor, labels: { severity: "warning" },
            annotations: { summary: "Replication {{ $labels.slot_name }} lags", description: `Apply lag above ${lagSeconds}s: {{ printf "%.1f" $value }}s.` },
        },
        {
            alert: "MeshReplicationBacklogHigh",
            expr: `max by (slot_name) (agogsaas_mesh_slot_lag_bytes) > ${lagBytes}`,
            for: holdFor, labels: { severity: "warning" },
            annotations: { summary: "Replication {{ $labels.slot_name }} has a backlog", description: `Unapplied WAL above ${lagBytes} bytes: {{ printf "%.0f" $value }}.` },
        },
        {
            alert: "MeshSlotRetainedWalHigh",
            expr: `max by (slot_name) (agogsaas_mesh_slot_retained_bytes) > ${retained}`,
            for: holdFor, labels: { severity: "warning" },
            annotations: {
                summary: "Slot {{ $labels.slot_name }} retains much WAL",
                description: `WAL retained above ${retained} bytes ({{ printf "%.0f" $value }}): the subscriber is away; at max_slot_wal_keep_size the slot is lost.`,
            },
        },
        {
            alert: "MeshSubscriptionDisabled",
            expr: "max by (subscription) (agogsaas_mesh_subscription_enabled) == 0",
            for: holdFor, labels: { severity: "critical" },
            annotations: { summary: "Subscription {{ $labels.subscription }} is disabled", description: "Disabled (disable_on_error after an apply error?): fix the cause, then ALTER SUBSCRIPTION ... ENABLE." },
        },
        {
            alert: "MeshApplyErrors",
            expr: "increase(agogsaas_mesh_subscription_apply_errors[15m]) > 3",
            for: holdFor, labels: { severity: "warning" },
            annotations: { summary: "Subscription {{ $labels.subscription }} keeps failing", description: "The apply worker errored {{ printf \"%.0f\" $value }} times in 15 minutes (a conflict or an unreachable publisher): see the subscriber's log." },
        },
        {
            alert: "MeshSlotLost",
            expr: "max by (slot_name) (agogsaas_mesh_slot_lost) == 1",
            for: "1m", labels: { severity: "critical" },
            annotations: { summary: "Slot {{ $labels.slot_name }} lost", description: "slot lost: rebuild with full copy needed (WAL past max_slot_wal_keep_size was removed)." },
        },
        ...(edgeNodes === undefined ? [] : [edgeOfflineRule(edgeNodes, edgeOfflineSeconds, holdFor)]),
    ];
}

/**
 * An edge is offline when a subscription to its publisher, still enabled, has no apply worker
 * connected (age -1) or has heard nothing (data or the walsender's keepalive, sent at least every
 * wal_sender_timeout / 2 = 30 s by default) for `offlineSeconds`. A disabled subscription is
 * MeshSubscriptionDisabled's, not this one's.
 */
function edgeOfflineRule(edgeNodes: string, offlineSeconds: number, holdFor: string): AlertRule {
    const selector = `{subscription=~"mesh_(${edgeNodes})_to_.+"}`;
    const age = `max by (subscription) (agogsaas_mesh_subscription_last_message_age_seconds${selector})`;
    const enabled = `max by (subscription) (agogsaas_mesh_subscription_enabled${selector}) == 1`;
    const silent = `(${age} > ${offlineSeconds} or ${age} < 0) and on (subscription) (${enabled})`;
    return {
        alert: "EdgeOffline",
        // The edge's node name as a label of its own, for routing and the message.
        expr: `label_replace(${silent}, "edge", "$1", "subscription", "mesh_(${edgeNodes})_to_.+")`,
        for: holdFor, labels: { severity: "critical" },
        annotations: {
            summary: "Edge {{ $labels.edge }} is offline",
            description: `Subscription {{ $labels.subscription }} has had no message from the edge for more than ${offlineSeconds}s (or no worker connected): the factory keeps working offline and its rows arrive when it is back, within the slot's WAL budget.`,
        },
    };
}

/** A `monitoring.coreos.com/v1` PrometheusRule manifest (object) for kube-prometheus-stack. */
export function meshPrometheusRule(options: { name?: string; namespace?: string; labels?: Record<string, string>; thresholds?: MeshAlertThresholds; scope?: MeshAlertScope } = {}) {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: {
            name: options.name ?? "agogsaas-replication-mesh",
            namespace: options.namespace ?? "monitoring",
            // kube-prometheus-stack selects rules by its release label; default release name "kube-prometheus-stack".
            labels: { release: "kube-prometheus-stack", ...(options.labels ?? {}) },
        },
        spec: { groups: [{ name: "agogsaas-replication-mesh", rules: meshAlertRules(options.thresholds, options.scope) }] },
    };
}

/** YAML of {@link meshPrometheusRule}. */
export function meshPrometheusRuleYaml(options: Parameters<typeof meshPrometheusRule>[0] = {}): string {
    return stringify(meshPrometheusRule(options));
}

/** YAML of {@link exporterQueries} for postgres_exporter `--extend.query-path`. */
export function exporterQueriesYaml(): string {
    return stringify(exporterQueries());
}
