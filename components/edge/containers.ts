/**
 * What each edge container runs: command, environment, healthcheck, ports, volume. Pure data
 * (no Pulumi resources), so the component stays a loop over this table and tests can read it.
 *
 * Secrets never go into environment variables (they would show in `docker inspect` and in the
 * container's config): the database password is uploaded as a root-only file and the images read
 * it through the `*_FILE` convention (`POSTGRES_PASSWORD_FILE` is the official image's own).
 */
import { capacityParameters } from "../replication-capacity";
import { EdgeSiteSettings } from "./args";
import { EDGE_SIZES, EdgeContainer, postgresMemorySettings } from "./sizes";

/** Where the database password file is mounted in the containers that need it. */
export const DB_PASSWORD_FILE = "/run/secrets/db-password";

/** Container ports inside the site network. */
export const INTERNAL_PORTS = { postgres: 5432, backend: 4001, nats: 4222, natsMonitor: 8222, healthMonitor: 8080 } as const;

/** How often the health monitor reports to the region (the seed: every 30 s). */
export const HEALTH_REPORT_INTERVAL_SECONDS = 30;

export type EdgeVolume = "pgdata" | "natsdata";

export interface EdgeHealthcheck {
    tests: string[];
    interval: string;
    timeout: string;
    retries: number;
    startPeriod: string;
}

export interface EdgeContainerSpec {
    /** Which container. */
    container: EdgeContainer;
    /** Name on the site network (other containers reach it by this name). */
    alias: string;
    /** Arguments after the image's entrypoint. */
    command?: string[];
    /** Plain environment (`KEY=value`); never secrets. */
    env: string[];
    /** Whether the database password file is uploaded into this container. */
    needsDbPassword: boolean;
    healthcheck: EdgeHealthcheck;
    /** Published ports: container port → host port. */
    ports: { internal: number; external: number }[];
    /** Named volume and its mount point. */
    volume?: { volume: EdgeVolume; containerPath: string };
    /** Holds the facility's data (gets residency labels). */
    dataBearing: boolean;
}

function wgetHealth(url: string): string[] {
    // busybox wget exists in the alpine-based images; no shell quoting issues with CMD form.
    return ["CMD", "wget", "-q", "-O", "/dev/null", url];
}

/** The PostgreSQL server flags: logical replication, bounded slot WAL, capacity, memory. */
export function postgresServerSettings(settings: EdgeSiteSettings): Record<string, string> {
    const spec = EDGE_SIZES[settings.size];
    return {
        wal_level: "logical",
        max_slot_wal_keep_size: `${spec.maxSlotWalKeepSizeGb}GB`,
        ...capacityParameters(settings.capacity),
        ...postgresMemorySettings(spec.limits.postgres),
    };
}

export function edgeContainerSpecs(settings: EdgeSiteSettings): EdgeContainerSpec[] {
    const serverFlags = Object.entries(postgresServerSettings(settings)).flatMap(([key, value]) => ["-c", `${key}=${value}`]);
    const databaseEnv = [
        `DATABASE_HOST=postgres`,
        `DATABASE_PORT=${INTERNAL_PORTS.postgres}`,
        `DATABASE_NAME=${settings.databaseName}`,
        `DATABASE_USER=${settings.adminUser}`,
        `DATABASE_PASSWORD_FILE=${DB_PASSWORD_FILE}`,
    ];
    return [
        {
            container: "postgres",
            alias: "postgres",
            command: ["postgres", ...serverFlags],
            env: [
                `POSTGRES_USER=${settings.adminUser}`,
                `POSTGRES_DB=${settings.databaseName}`,
                `POSTGRES_PASSWORD_FILE=${DB_PASSWORD_FILE}`,
            ],
            needsDbPassword: true,
            healthcheck: {
                tests: ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", settings.adminUser, "-d", settings.databaseName],
                interval: "10s", timeout: "5s", retries: 5, startPeriod: "30s",
            },
            ports: [{ internal: INTERNAL_PORTS.postgres, external: settings.ports.postgres }],
            volume: { volume: "pgdata", containerPath: "/var/lib/postgresql/data" },
            dataBearing: true,
        },
        {
            container: "backend",
            alias: "backend",
            env: [
                `FACILITY_ID=${settings.facilityId}`,
                `TENANT_ID=${settings.tenantId}`,
                `PORT=${INTERNAL_PORTS.backend}`,
                ...databaseEnv,
                `NATS_URL=nats://nats:${INTERNAL_PORTS.nats}`,
                `REGIONAL_CLOUD_URL=${settings.regionalApiUrl}`,
            ],
            needsDbPassword: true,
            healthcheck: {
                tests: wgetHealth(`http://127.0.0.1:${INTERNAL_PORTS.backend}/health`),
                interval: "15s", timeout: "5s", retries: 3, startPeriod: "60s",
            },
            ports: [{ internal: INTERNAL_PORTS.backend, external: settings.ports.backend }],
            dataBearing: false,
        },
        {
            container: "nats",
            alias: "nats",
            // JetStream with its store on the named volume; monitoring port for the healthcheck.
            command: ["-js", "-sd", "/data", "-m", String(INTERNAL_PORTS.natsMonitor)],
            env: [],
            needsDbPassword: false,
            healthcheck: {
                tests: wgetHealth(`http://127.0.0.1:${INTERNAL_PORTS.natsMonitor}/healthz?js-enabled-only=true`),
                interval: "10s", timeout: "5s", retries: 3, startPeriod: "10s",
            },
            ports: [{ internal: INTERNAL_PORTS.nats, external: settings.ports.nats }],
            volume: { volume: "natsdata", containerPath: "/data" },
            dataBearing: true,
        },
        {
            container: "healthMonitor",
            alias: "health-monitor",
            env: [
                `FACILITY_ID=${settings.facilityId}`,
                `REGIONAL_CLOUD_URL=${settings.regionalHealthUrl}`,
                `CHECK_INTERVAL_SECONDS=${HEALTH_REPORT_INTERVAL_SECONDS}`,
                `BACKEND_HEALTH_URL=http://backend:${INTERNAL_PORTS.backend}/health`,
                `NATS_HEALTH_URL=http://nats:${INTERNAL_PORTS.natsMonitor}/healthz`,
                `DATABASE_HOST=postgres`,
                `DATABASE_PORT=${INTERNAL_PORTS.postgres}`,
                `PORT=${INTERNAL_PORTS.healthMonitor}`,
            ],
            needsDbPassword: false,
            healthcheck: {
                tests: wgetHealth(`http://127.0.0.1:${INTERNAL_PORTS.healthMonitor}/health`),
                interval: "30s", timeout: "5s", retries: 3, startPeriod: "15s",
            },
            ports: [],
            dataBearing: false,
        },
    ];
}
