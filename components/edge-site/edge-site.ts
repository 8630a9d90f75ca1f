/**
 * EdgeSite: the containers of one factory's edge computer (PostgreSQL 16, backend API, NATS
 * JetStream, health monitor), deployed with @pulumi/docker against that computer's Docker daemon.
 *
 * Fleet safety (`offline`): see docs/edge.md. In short, an offline facility keeps every resource
 * declared (a resource missing from the program would be deleted, and deleting needs the host)
 * but with `ignoreChanges: ["*"]` and `retainOnDelete`, so the engine has nothing to ask the
 * unreachable daemon; the provider skips its daemon ping at configure time for the same reason.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { TABLE_NAMES, TABLE_CATALOG, classifyTables, residencyTags } from "../shared/sovereignty";
import { EdgeSiteArgs, EdgeSiteSettings, validateEdgeSiteArgs } from "./args";
import { EdgeContainerSpec, EdgeSecretFile, EdgeVolume, INTERNAL_PORTS, edgeContainerSpecs } from "./internal/containers";
import { pgpassLine, rcloneConfig } from "./internal/backup";
import { EDGE_SIZES } from "./sizes";
import { secretInput } from "../postgres/secret-input";

export { EdgeSiteArgs, EdgeImages, EdgePorts } from "./args";
export { EdgeBackupArgs, EdgeBackupTarget, EdgeBackupS3Target, EdgeBackupAzureTarget } from "./internal/backup";
export { EdgeSizeTier, EDGE_SIZES, EDGE_SIZE_TIERS } from "./sizes";

export const EDGE_SITE_TYPE = "agogsaas:edge:EdgeSite";

/** Where the regional subscriber connects. */
export interface DatabaseEndpoint {
    host: string;
    port: number;
    database: string;
}

/** A login; `password` is a secret Output. */
export interface Credentials {
    user: string;
    password: pulumi.Output<string>;
}

/** Labels every edge resource carries; data-bearing ones add the residency labels. */
function baseLabels(settings: EdgeSiteSettings): Record<string, string> {
    return {
        "agogsaas.facility-id": settings.facilityId,
        "agogsaas.tenant-id": settings.tenantId,
        "agogsaas.size": settings.size,
    };
}

function toLabelList(labels: Record<string, string>): { label: string; value: string }[] {
    return Object.entries(labels).map(([label, value]) => ({ label, value }));
}

/** The edge database holds the operational and master tables, so its data is the most sensitive of them. */
const EDGE_TABLES = TABLE_NAMES.filter((t) => TABLE_CATALOG[t].class !== "aggregate");

export class EdgeSite extends pulumi.ComponentResource {
    public readonly facilityId: string;
    /** True when this facility was declared offline (its resources are frozen). */
    public readonly offline: boolean;
    public readonly databaseEndpoint: DatabaseEndpoint;
    /** The database superuser (secret password); the ReplicationMesh uses it to create the replication role. */
    public readonly adminCredentials: Credentials;
    /** The login of the regional subscriber (secret password). */
    public readonly replicationCredentials: Credentials;
    /** The backend's health URL, as reached over the VPN. */
    public readonly healthUrl: string;
    /** The Docker provider for this facility's host (for extra containers placed on the same machine: pass it as `provider`). */
    public readonly provider: docker.Provider;

    constructor(name: string, args: EdgeSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before super(): a bad arg must not register even the component itself.
        const settings = validateEdgeSiteArgs(name, args);
        // Args are not handed to super(): the engine would store them as the component's inputs in state,
        // and a password given as a plain string there would not be encrypted. Children carry them instead.
        super(EDGE_SITE_TYPE, name, {}, opts);

        this.facilityId = settings.facilityId;
        this.offline = settings.offline;
        const frozen: pulumi.CustomResourceOptions = settings.offline ? { ignoreChanges: ["*"], retainOnDelete: true } : {};
        const child: pulumi.CustomResourceOptions = { parent: this, ...frozen };

        this.provider = new docker.Provider(`${name}-docker`, {
            host: settings.dockerHost,
            sshOpts: settings.sshOpts.length > 0 ? settings.sshOpts : undefined,
            // No daemon ping at configure time: an unreachable factory must not fail the whole
            // update, and only resources with real changes need the daemon. Kept constant so a
            // facility going offline does not change the provider's own inputs.
            disableDockerDaemonCheck: true,
        }, child);
        const onHost: pulumi.CustomResourceOptions = { ...child, provider: this.provider };

        const adminPassword = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, child);
        const replicationPassword = new random.RandomPassword(`${name}-replication-password`, { length: 32, special: false }, child);

        const labels = baseLabels(settings);
        const dataLabels = { ...labels, ...residencyTags(settings.zone, classifyTables(EDGE_TABLES)) };

        const network = new docker.Network(`${name}-network`, {
            name: `agogsaas-${settings.facilityId}`,
            driver: "bridge",
            labels: toLabelList(labels),
        }, onHost);

        // Volumes outlive the stack: deleting a stack (or the facility from it) never wipes a
        // factory's database; remove the volume by hand once its data is safe in the region.
        const volumeNames: EdgeVolume[] = settings.backup ? ["pgdata", "natsdata", "backups", "archive"] : ["pgdata", "natsdata"];
        const volumes: Partial<Record<EdgeVolume, docker.Volume>> = {};
        for (const volume of volumeNames) {
            volumes[volume] = new docker.Volume(`${name}-${volume}`, {
                name: `agogsaas-${settings.facilityId}-${volume}`,
                labels: toLabelList(dataLabels),
            }, { ...onHost, retainOnDelete: true });
        }

        // Secret file contents, each built from the admin password or the off-site credentials (all secret in state).
        const offsite = settings.backup?.offsite;
        const secretFiles: Record<EdgeSecretFile, () => pulumi.Output<string>> = {
            dbPassword: () => adminPassword.result,
            pgpass: () => adminPassword.result.apply((p) => pgpassLine("postgres", INTERNAL_PORTS.postgres, settings.adminUser, p)),
            rcloneConfig: () => pulumi.all(offsite!.credentials).apply((c) => rcloneConfig(offsite!, c)),
        };

        const images: Partial<Record<string, docker.RemoteImage>> = {};
        const containers: Partial<Record<string, docker.Container>> = {};
        for (const spec of edgeContainerSpecs(settings)) {
            // One pull per image: the backup container runs the PostgreSQL image the server runs.
            const image = images[spec.image] ??= new docker.RemoteImage(`${name}-${spec.alias}-image`, {
                name: settings.images[spec.image],
                // Another site on the same host (a lab) may share the image; never delete it from under it.
                keepLocally: true,
            }, onHost);
            containers[spec.container] = this.container(name, settings, spec, {
                image: image.imageId,
                network: network.name,
                volumes: spec.volumes.map((v) => volumes[v.volume]!.name),
                secretFiles: spec.secretFiles.map((f) => secretFiles[f.secret]()),
                labels: { ...(spec.dataBearing ? dataLabels : labels), ...spec.labels },
                dependsOn: spec.after.map((c) => containers[c]!),
            }, onHost);
        }

        this.databaseEndpoint = { host: settings.advertisedHost, port: settings.ports.postgres, database: settings.databaseName };
        this.adminCredentials = { user: settings.adminUser, password: secretInput(adminPassword.result) };
        this.replicationCredentials = { user: settings.replicationUser, password: secretInput(replicationPassword.result) };
        this.healthUrl = `http://${settings.advertisedHost}:${settings.ports.backend}/health`;

        // Plain values only: the credentials are read from the component by the program; as
        // registered outputs they would only add two secrets per facility to the state (and two
        // Outputs the SDK awaits, which at 1,000 facilities shows in the evaluation time).
        this.registerOutputs({
            facilityId: this.facilityId,
            offline: this.offline,
            size: settings.size,
            sizeHardware: EDGE_SIZES[settings.size].hardware,
            databaseEndpoint: this.databaseEndpoint,
            adminUser: this.adminCredentials.user,
            replicationUser: this.replicationCredentials.user,
            healthUrl: this.healthUrl,
        });
    }

    private container(
        name: string,
        settings: EdgeSiteSettings,
        spec: EdgeContainerSpec,
        refs: {
            image: pulumi.Input<string>;
            network: pulumi.Input<string>;
            /** Volume names, in the order of `spec.volumes`. */
            volumes: pulumi.Input<string>[];
            /** Contents of `spec.secretFiles`, in order. */
            secretFiles: pulumi.Output<string>[];
            labels: Record<string, string>;
            dependsOn: pulumi.Resource[];
        },
        opts: pulumi.CustomResourceOptions,
    ): docker.Container {
        const limits = EDGE_SIZES[settings.size].limits[spec.container];
        return new docker.Container(`${name}-${spec.alias}`, {
            name: `agogsaas-${settings.facilityId}-${spec.alias}`,
            image: refs.image,
            entrypoints: spec.entrypoint,
            command: spec.command,
            envs: spec.env,
            // Secrets as root-only files, secret in state (see internal/containers.ts); then plain files.
            uploads: spec.secretFiles.length + spec.files.length > 0 ? [
                ...spec.secretFiles.map((f, i) => ({ file: f.file, content: secretInput(refs.secretFiles[i]), permissions: "0400" })),
                ...spec.files.map((f) => ({ file: f.file, content: f.content, permissions: f.permissions })),
            ] : undefined,
            healthcheck: spec.healthcheck,
            restart: "unless-stopped",
            memory: limits.memoryMb,
            // No swap beyond the limit: a swapping edge computer stalls the production line.
            memorySwap: limits.memoryMb,
            cpus: limits.cpus,
            networksAdvanced: [{ name: refs.network, aliases: [spec.alias] }],
            ports: spec.ports.map((p) => ({ internal: p.internal, external: p.external })),
            volumes: spec.volumes.length > 0 ? spec.volumes.map((v, i) => ({ volumeName: refs.volumes[i], containerPath: v.containerPath })) : undefined,
            labels: toLabelList(refs.labels),
            // Small disks: bounded local logs.
            logDriver: "json-file",
            logOpts: { "max-size": "10m", "max-file": "5" },
        }, { ...opts, dependsOn: refs.dependsOn });
    }
}
