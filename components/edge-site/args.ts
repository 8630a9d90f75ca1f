/**
 * EdgeSite's arguments and their validation. Everything is checked here, synchronously, before
 * the component registers a single resource: a typo in one facility's config fails the program
 * with a message naming the field, instead of half a factory being deployed.
 */
import { ValidationError, oneOf } from "../shared/errors";
import { EdgeReplicationTopology, ReplicationCapacity, edgeReplicationCapacity } from "../replication/capacity";
import { Zone, assertZone } from "../shared/sovereignty";
import { assertPinnedImage, imageName } from "../shared/image-ref";
import { EDGE_SIZE_TIERS, EdgeSizeTier } from "./sizes";
import { EdgeBackupArgs, EdgeBackupSettings, validateEdgeBackup } from "./internal/backup";

/** Container images of an edge site, each pinned by tag (or digest). */
export interface EdgeImages {
    /** PostgreSQL 16 image (tag must start with `16.`). Default `postgres:16.6-alpine`. */
    postgres?: string;
    /** The platform's backend API image (serves `/health` on port 4001). Required. */
    backend: string;
    /** NATS server image with JetStream (an `-alpine` variant: its healthcheck uses `wget`). Default `nats:2.10.24-alpine`. */
    nats?: string;
    /** The health monitor image (reports to the region, serves `/health` on port 8080). Required. */
    healthMonitor: string;
    /** rclone image of the off-site backup copy (needs `/bin/sh`: the official image has it). Default `rclone/rclone:1.68.2`. */
    rclone?: string;
}

/** The image keys of {@link EdgeImages} (the backup container runs the `postgres` image: its pg_basebackup matches the server). */
export const EDGE_IMAGE_NAMES = ["postgres", "backend", "nats", "healthMonitor", "rclone"] as const;
export type EdgeImageName = (typeof EDGE_IMAGE_NAMES)[number];

/** Host ports the edge computer publishes (the seed's docker-compose values). */
export interface EdgePorts {
    /** PostgreSQL, reached by the regional subscriber over the VPN. Default 5436. */
    postgres?: number;
    /** Backend API (`/health` is the site's health URL). Default 4010. */
    backend?: number;
    /** NATS client port. Default 4223. */
    nats?: number;
}

export interface EdgeSiteArgs {
    /** Facility id, `facility-<site>-<nnn>` (e.g. `facility-la-001`). Required. */
    facilityId: string;
    /** Tenant whose master data this facility receives (e.g. `tenant-foo-inc`). Required. */
    tenantId: string;
    /** Sovereignty zone of the facility's data (`us`, `eu`, `apac`); labels every data-bearing resource. Required. */
    zone: Zone;
    /** Docker daemon of the edge computer: `ssh://user@host[:port]` or `tcp://host:port`. Required. */
    dockerHost: string;
    /** Extra `ssh` options for an `ssh://` host (e.g. `["-o", "StrictHostKeyChecking=yes"]`). Default none. */
    sshOpts?: string[];
    /** Host name the region and operators use to reach this computer (VPN name). Default: the host of `dockerHost`. */
    advertisedHost?: string;
    /** Hardware tier: `small` (NUC 16 GB), `medium` (OptiPlex 32 GB), `large` (server 64 GB). Default `small`. */
    size?: EdgeSizeTier;
    /** Container images. `backend` and `healthMonitor` are required; see {@link EdgeImages} for defaults. */
    images: EdgeImages;
    /** Production stack: the image tag `latest` is refused. Default false. */
    production?: boolean;
    /** Regional API base URL the backend syncs with (`https://…`). Required. */
    regionalApiUrl: string;
    /** Regional endpoint the health monitor reports to every 30 s (`https://…`). Required. */
    regionalHealthUrl: string;
    /**
     * The factory is unreachable: keep declaring its resources but change nothing on them
     * (`ignoreChanges: ["*"]`, `retainOnDelete`), so a regional update neither fails on nor deletes
     * them. See docs/edge.md for exactly what this does and does not cover. Default false.
     */
    offline?: boolean;
    /** Database name. Default `agogsaas_edge`. */
    databaseName?: string;
    /** Database administrator (the image's superuser). Default `agogsaas`. */
    adminUser?: string;
    /** Role the regional subscriber logs in as (created by the ReplicationMesh). Default `replicator`. */
    replicationUser?: string;
    /** Host ports. Defaults: postgres 5436, backend 4010, nats 4223. */
    ports?: EdgePorts;
    /** Replication links of this edge, for the capacity settings. Default: 1 regional subscriber, 1 master-data subscription. */
    replication?: EdgeReplicationTopology;
    /** Scheduled backups (WAL archive, base backups, optional off-site copy in the zone); see {@link EdgeBackupArgs}. Default: on, every 24 h, 7 kept, volumes only. */
    backup?: EdgeBackupArgs;
    /** Path of these args in error messages (e.g. `agogsaas:facilities[0]`). Default: the component name. */
    configPath?: string;
}

/** Defaults for the public images (ours have none: the stack pins them). */
export const DEFAULT_EDGE_IMAGES = {
    postgres: "postgres:16.6-alpine",
    nats: "nats:2.10.24-alpine",
    rclone: "rclone/rclone:1.68.2",
} as const;

export const DEFAULT_EDGE_PORTS: Required<EdgePorts> = { postgres: 5436, backend: 4010, nats: 4223 };

/** Validated, defaulted args. */
export interface EdgeSiteSettings {
    facilityId: string;
    tenantId: string;
    zone: Zone;
    dockerHost: string;
    sshOpts: string[];
    advertisedHost: string;
    size: EdgeSizeTier;
    images: Required<EdgeImages>;
    production: boolean;
    regionalApiUrl: string;
    regionalHealthUrl: string;
    offline: boolean;
    databaseName: string;
    adminUser: string;
    replicationUser: string;
    ports: Required<EdgePorts>;
    capacity: ReplicationCapacity;
    /** Undefined when backups are disabled. */
    backup?: EdgeBackupSettings;
}

export const FACILITY_ID_PATTERN = /^facility-[a-z][a-z0-9]{1,15}-[0-9]{3}$/;
const TENANT_ID_PATTERN = /^tenant-[a-z0-9]+(?:-[a-z0-9]+)*$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const DOCKER_HOST = /^(?:ssh:\/\/(?<user>[a-z_][a-z0-9_.-]{0,31})@(?<sshHost>[^:/@\s]+)(?::(?<sshPort>[0-9]{1,5}))?|tcp:\/\/(?<tcpHost>[^:/@\s]+):(?<tcpPort>[0-9]{1,5}))\/?$/;

/** The host of a validated docker host URL. */
export function dockerHostName(field: string, dockerHost: unknown): string {
    const match = typeof dockerHost === "string" ? DOCKER_HOST.exec(dockerHost) : null;
    const host = match?.groups?.sshHost ?? match?.groups?.tcpHost;
    const port = Number(match?.groups?.sshPort ?? match?.groups?.tcpPort ?? 22);
    if (!match || !host || !HOSTNAME.test(host) || port < 1 || port > 65535) {
        throw new ValidationError(field, `${JSON.stringify(dockerHost)} is not a Docker host URL`, "\"ssh://user@host[:port]\" or \"tcp://host:port\"");
    }
    return host;
}

function requireString(field: string, value: unknown, pattern: RegExp, allowed: string): string {
    if (typeof value !== "string" || !pattern.test(value)) {
        throw new ValidationError(field, `invalid value ${JSON.stringify(value)}`, allowed);
    }
    return value;
}

function optionalBoolean(field: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") throw new ValidationError(field, `must be true or false, got ${JSON.stringify(value)}`);
    return value;
}

function httpUrl(field: string, value: unknown, production: boolean): string {
    let url: URL | undefined;
    try {
        url = typeof value === "string" ? new URL(value) : undefined;
    } catch {
        url = undefined;
    }
    const schemes = production ? ["https:"] : ["https:", "http:"];
    if (!url || !schemes.includes(url.protocol)) {
        throw new ValidationError(field, `${JSON.stringify(value)} is not a${production ? "n https" : "n http(s)"} URL`, production ? "https://host/path (production stacks talk TLS to the region)" : "http(s)://host/path");
    }
    return value as string;
}

function port(field: string, value: unknown, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
        throw new ValidationError(field, `must be a TCP port, got ${JSON.stringify(value)}`, "an integer 1-65535");
    }
    return value;
}

function postgresImage(field: string, reference: string, production: boolean): string {
    const ref = assertPinnedImage(field, reference, production);
    if (imageName(ref) === "postgres" && ref.tag !== undefined && !/^16\.[0-9]+/.test(ref.tag)) {
        throw new ValidationError(field, `"${reference}" is not PostgreSQL 16 pinned to a minor release`, "\"postgres:16.<minor>[-variant]\", e.g. \"postgres:16.6-alpine\"");
    }
    return reference;
}

/**
 * Validates and defaults EdgeSite args. Throws a ValidationError naming `<path>.<field>` (path is
 * `args.configPath` or the component name) before anything is registered.
 */
export function validateEdgeSiteArgs(name: string, args: EdgeSiteArgs): EdgeSiteSettings {
    if (args === null || typeof args !== "object") {
        throw new ValidationError(name, "EdgeSite args are required");
    }
    const at = (key: string): string => `${args.configPath ?? name}.${key}`;
    const production = optionalBoolean(at("production"), args.production, false);

    const facilityId = requireString(at("facilityId"), args.facilityId, FACILITY_ID_PATTERN, "facility-<site>-<nnn>, e.g. \"facility-la-001\"");
    const tenantId = requireString(at("tenantId"), args.tenantId, TENANT_ID_PATTERN, "tenant-<name>, e.g. \"tenant-foo-inc\"");
    const zone = assertZone(at("zone"), args.zone);
    const hostOfDocker = dockerHostName(at("dockerHost"), args.dockerHost);
    if (args.sshOpts !== undefined && (!Array.isArray(args.sshOpts) || args.sshOpts.some((o) => typeof o !== "string"))) {
        throw new ValidationError(at("sshOpts"), "must be a list of strings");
    }
    if (args.sshOpts !== undefined && !args.dockerHost.startsWith("ssh://")) {
        throw new ValidationError(at("sshOpts"), "only applies to an ssh:// dockerHost");
    }
    const advertisedHost = args.advertisedHost === undefined
        ? hostOfDocker
        : requireString(at("advertisedHost"), args.advertisedHost, HOSTNAME, "a DNS name or IPv4 address");

    const size = args.size ?? "small";
    if (!EDGE_SIZE_TIERS.includes(size)) {
        throw new ValidationError(at("size"), `unknown size tier ${JSON.stringify(size)}`, oneOf(EDGE_SIZE_TIERS));
    }

    if (args.images === null || typeof args.images !== "object") {
        throw new ValidationError(at("images"), "container images are required", "{ backend, healthMonitor[, postgres, nats, rclone] }");
    }
    const pinned = (key: keyof EdgeImages, reference: string | undefined): string => {
        assertPinnedImage(at(`images.${key}`), reference, production);
        return reference as string;
    };
    const images: Required<EdgeImages> = {
        postgres: postgresImage(at("images.postgres"), args.images.postgres ?? DEFAULT_EDGE_IMAGES.postgres, production),
        backend: pinned("backend", args.images.backend),
        nats: pinned("nats", args.images.nats ?? DEFAULT_EDGE_IMAGES.nats),
        healthMonitor: pinned("healthMonitor", args.images.healthMonitor),
        rclone: pinned("rclone", args.images.rclone ?? DEFAULT_EDGE_IMAGES.rclone),
    };

    const ports: Required<EdgePorts> = {
        postgres: port(at("ports.postgres"), args.ports?.postgres, DEFAULT_EDGE_PORTS.postgres),
        backend: port(at("ports.backend"), args.ports?.backend, DEFAULT_EDGE_PORTS.backend),
        nats: port(at("ports.nats"), args.ports?.nats, DEFAULT_EDGE_PORTS.nats),
    };
    if (new Set(Object.values(ports)).size !== 3) {
        throw new ValidationError(at("ports"), `host ports must differ, got ${JSON.stringify(ports)}`);
    }

    return {
        facilityId,
        tenantId,
        zone,
        dockerHost: args.dockerHost,
        sshOpts: args.sshOpts ?? [],
        advertisedHost,
        size,
        images,
        production,
        regionalApiUrl: httpUrl(at("regionalApiUrl"), args.regionalApiUrl, production),
        regionalHealthUrl: httpUrl(at("regionalHealthUrl"), args.regionalHealthUrl, production),
        offline: optionalBoolean(at("offline"), args.offline, false),
        databaseName: requireString(at("databaseName"), args.databaseName ?? "agogsaas_edge", SQL_IDENTIFIER, "a lower-case SQL identifier"),
        adminUser: requireString(at("adminUser"), args.adminUser ?? "agogsaas", SQL_IDENTIFIER, "a lower-case SQL identifier"),
        replicationUser: requireString(at("replicationUser"), args.replicationUser ?? "replicator", SQL_IDENTIFIER, "a lower-case SQL identifier"),
        ports,
        capacity: edgeReplicationCapacity(args.replication ?? {}, at("replication")),
        backup: validateEdgeBackup(at("backup"), zone, args.backup),
    };
}
