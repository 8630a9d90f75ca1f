/**
 * MeshMonitoring: makes the mesh's alert rules real on a regional cluster. It installs
 *
 * - a MonitoringRole on the regional server (member of `pg_monitor` only, CONNECT on the scraped
 *   databases) with a random password, delivered to the exporter through a Kubernetes Secret;
 * - the custom queries of {@link exporterQueries} as a ConfigMap (`queries.yaml`);
 * - one `prometheus-postgres-exporter` Helm release per scraped database (blue, green, peering),
 *   each mounting the ConfigMap and started with `--extend.query-path`, with its ServiceMonitor so
 *   kube-prometheus-stack scrapes it. One release per database, because postgres_exporter labels
 *   series by host:port only: several databases of one server in one exporter would collide;
 * - the alert rules of {@link meshAlertRules} as a PrometheusRule through
 *   `RegionalCluster.addPrometheusRules`.
 *
 * Server-wide figures (slots, walsenders) are reported by every release; the rules aggregate with
 * `max by (...)`, so the duplicates do not double-fire.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { ValidationError } from "../shared/errors";
import { assertDns1123Label } from "../k8s/names";
import type { RegionalCluster } from "../regional-cluster/regional-cluster";
import type { PgConnectionInput } from "../postgres/connection";
import { assertSqlIdentifier } from "../postgres/sql";
import { MonitoringRole } from "../postgres/monitoring-role";
import { assertMonitoringRoleName } from "../postgres/providers/monitoring-role";
import { MeshAlertThresholds, assertEdgeNodePattern, exporterQueriesYaml, meshAlertRules } from "./alerts";

/** Pinned chart (values shape: config.datasource, config.extraArgs, extraVolumes, serviceMonitor). Bump deliberately. */
export const EXPORTER_CHART = {
    chart: "prometheus-postgres-exporter", version: "6.4.0", repo: "https://prometheus-community.github.io/helm-charts",
} as const;

/** Where the queries ConfigMap is mounted in the exporter pod. */
export const QUERIES_MOUNT_PATH = "/etc/agogsaas-mesh";
/** File name of the custom queries inside the ConfigMap and the mount. */
export const QUERIES_FILE = "queries.yaml";
/** Key of the password in the credentials Secret. */
export const PASSWORD_KEY = "password";
/** Name of the rule group inside the PrometheusRule. */
export const ALERT_GROUP = "agogsaas-replication-mesh";

/** What MeshMonitoring needs of the cluster (a RegionalCluster provides it; its settings give the retained-WAL default). */
export type MonitoredCluster = Pick<RegionalCluster, "addons" | "k8sProvider" | "addPrometheusRules"> & Partial<Pick<RegionalCluster, "settings">>;

/** Share of the server's max_slot_wal_keep_size at which retained WAL warns: early enough to act before the slot is lost. */
export const RETAINED_WAL_WARN_SHARE = 0.8;

export interface MeshMonitoringArgs {
    /** The regional cluster; its monitoring add-on (kube-prometheus-stack) must be enabled. Required. */
    cluster: MonitoredCluster;
    /** Admin connection to any database of the regional server (creates the role; host, port and TLS mode are reused by the exporter). Required. */
    connection: PgConnectionInput;
    /** Databases to scrape, by a short DNS-label key used in release names, e.g. `{ blue: "backend_blue" }`. Required; at least one. */
    databases: Record<string, pulumi.Input<string>>;
    /** Name of the monitoring login; default `agogsaas_monitor`. */
    roleName?: string;
    /** Namespace of the exporters, their Secret, ConfigMap and the rules; default `monitoring` (kube-prometheus-stack's). */
    namespace?: string;
    /** Alert thresholds; default those of {@link meshAlertRules}, retainedBytes 80% of the cluster's `database.maxSlotWalKeepSizeMb`. */
    thresholds?: MeshAlertThresholds;
    /** Regular expression of the mesh's edge node names (e.g. `edge_.+`): their subscriptions here get the EdgeOffline alert. Default none. */
    edgeNodes?: string;
}

interface Resolved { roleName: string; namespace: string; targets: string[]; thresholds: MeshAlertThresholds }

function resolve(name: string, args: MeshMonitoringArgs): Resolved {
    // The name prefixes Kubernetes objects and Helm releases (at most 53 characters).
    assertDns1123Label("name", name, 30);
    if (args === null || typeof args !== "object") throw new ValidationError("args", "MeshMonitoring needs an args object");
    if (args.connection === null || typeof args.connection !== "object") throw new ValidationError("connection", "an admin connection to the regional server is required");
    if (!args.cluster?.addons?.monitoring) {
        throw new ValidationError("addons.monitoring", "mesh monitoring needs the cluster's monitoring add-on (kube-prometheus-stack); it is disabled");
    }
    const roleName = assertMonitoringRoleName(args.roleName ?? "agogsaas_monitor");
    const namespace = assertDns1123Label("namespace", args.namespace ?? "monitoring");
    const targets = Object.keys(args.databases ?? {});
    if (targets.length === 0) throw new ValidationError("databases", "at least one database to scrape is required");
    for (const key of targets) {
        assertDns1123Label(`databases key ${JSON.stringify(key)}`, key, 20);
        const database = args.databases[key];
        if (typeof database === "string") assertSqlIdentifier(`databases.${key}`, database);
    }
    if (args.edgeNodes !== undefined) assertEdgeNodePattern("edgeNodes", args.edgeNodes);
    // The slot WAL budget the server is configured with is what "retains much WAL" is measured against.
    const walBudgetMb = args.cluster.settings?.database.maxSlotWalKeepSizeMb;
    const thresholds = {
        ...(walBudgetMb === undefined ? {} : { retainedBytes: Math.floor(walBudgetMb * 1024 * 1024 * RETAINED_WAL_WARN_SHARE) }),
        ...(args.thresholds ?? {}),
    };
    // Checked here, so that a bad threshold registers nothing.
    meshAlertRules(thresholds, { edgeNodes: args.edgeNodes });
    return { roleName, namespace, targets, thresholds };
}

export class MeshMonitoring extends pulumi.ComponentResource {
    /** The login the exporters use. */
    public readonly role: MonitoringRole;
    /** The Secret holding its password (key {@link PASSWORD_KEY}). */
    public readonly credentials: k8s.core.v1.Secret;
    /** The custom queries (`queries.yaml`). */
    public readonly queries: k8s.core.v1.ConfigMap;
    /** One exporter release per scraped database, by key. */
    public readonly exporters: Record<string, k8s.helm.v3.Release>;
    /** The PrometheusRule with the mesh alerts. */
    public readonly rules: k8s.apiextensions.CustomResource;

    constructor(name: string, args: MeshMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before super(): a bad input registers nothing.
        const settings = resolve(name, args);
        // Args are not handed to super(): the engine would store them as the component's inputs in state,
        // and a password given as a plain string there would not be encrypted. Children carry them instead.
        super("agogsaas:replication:MeshMonitoring", name, {}, opts);
        const cluster = args.cluster;
        // Field by field: the connection as a whole carries the (secret) admin password.
        const server = { host: pulumi.output(args.connection.host), port: pulumi.output(args.connection.port), ssl: pulumi.output(args.connection.ssl) };
        // The namespace and the ServiceMonitor CRD come with kube-prometheus-stack.
        const onCluster = { parent: this, provider: cluster.k8sProvider, dependsOn: [cluster.addons.monitoring!] };

        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        this.role = new MonitoringRole(`${name}-role`, {
            connection: args.connection,
            roleName: settings.roleName,
            password: password.result,
            databases: settings.targets.map((key) => args.databases[key]),
        }, { parent: this });

        // Fixed names (one MeshMonitoring per cluster): the releases refer to them by name.
        const secretName = `${name}-credentials`;
        const queriesName = `${name}-queries`;
        this.credentials = new k8s.core.v1.Secret(secretName, {
            metadata: { name: secretName, namespace: settings.namespace, labels: { "app.kubernetes.io/part-of": "agogsaas", "app.kubernetes.io/managed-by": "pulumi" } },
            type: "Opaque",
            stringData: { [PASSWORD_KEY]: pulumi.secret(password.result) },
        }, onCluster);

        this.queries = new k8s.core.v1.ConfigMap(queriesName, {
            metadata: { name: queriesName, namespace: settings.namespace, labels: { "app.kubernetes.io/part-of": "agogsaas", "app.kubernetes.io/managed-by": "pulumi" } },
            data: { [QUERIES_FILE]: exporterQueriesYaml() },
        }, onCluster);

        this.exporters = {};
        for (const key of settings.targets) {
            this.exporters[key] = new k8s.helm.v3.Release(`${name}-${key}`, {
                chart: EXPORTER_CHART.chart,
                version: EXPORTER_CHART.version,
                repositoryOpts: { repo: EXPORTER_CHART.repo },
                namespace: settings.namespace,
                values: {
                    config: {
                        datasource: {
                            host: server.host,
                            port: server.port.apply(String),
                            database: args.databases[key],
                            user: settings.roleName,
                            passwordSecret: { name: secretName, key: PASSWORD_KEY },
                            sslmode: server.ssl.apply((ssl) => ssl ?? "disable"),
                        },
                        extraArgs: [`--extend.query-path=${QUERIES_MOUNT_PATH}/${QUERIES_FILE}`],
                    },
                    extraVolumes: [{ name: "mesh-queries", configMap: { name: queriesName } }],
                    extraVolumeMounts: [{ name: "mesh-queries", mountPath: QUERIES_MOUNT_PATH, readOnly: true }],
                    serviceMonitor: { enabled: true, interval: "30s" },
                    podLabels: { "agogsaas.io/scraped-database": key },
                },
            }, { ...onCluster, dependsOn: [cluster.addons.monitoring!, this.role, this.credentials, this.queries] });
        }

        this.rules = cluster.addPrometheusRules(`${name}-alerts`, [{ name: ALERT_GROUP, rules: meshAlertRules(settings.thresholds, { edgeNodes: args.edgeNodes }) }], { namespace: settings.namespace });

        this.registerOutputs({ roleName: this.role.roleName, exporters: Object.keys(this.exporters) });
    }
}
