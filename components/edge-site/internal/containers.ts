/**
 * What each edge container runs: command, environment, healthcheck, ports, volume. Pure data
 * (no Pulumi resources), so the component stays a loop over this table and tests can read it.
 *
 * Secrets never go into environment variables (they would show in `docker inspect` and in the
 * container's config): the database password is uploaded as a root-only file and the images read
 * it through the `*_FILE` convention (`POSTGRES_PASSWORD_FILE` is the official image's own).
 */
import { capacityParameters } from "../../replication/capacity";
import { EdgeImageName, EdgeSiteSettings } from "../args";
import {
    ARCHIVE_DIR, BACKUPS_DIR, BACKUP_SCRIPT_FILE, OFFSITE_SCRIPT_FILE, PGPASS_FILE, PG_HBA_FILE, RCLONE_CONFIG_FILE,
    backupHealthcheck, backupTargetLabels, edgeBackupScript, edgePgHba, offsiteCopyScript, offsiteHealthcheck,
    walArchiveSettings,
} from "./backup";
import { EDGE_SIZES, EdgeContainer, postgresMemorySettings } from "../sizes";

/** Where the database password file is mounted in the containers that need it. */
export const DB_PASSWORD_FILE = "/run/secrets/db-password";

/** Container ports inside the site network. */
export const INTERNAL_PORTS = { postgres: 5432, backend: 4001, nats: 4222, natsMonitor: 8222, healthMonitor: 8080 } as const;

/** How often the health monitor reports to the region (the seed: every 30 s). */
export const HEALTH_REPORT_INTERVAL_SECONDS = 30;

export type EdgeVolume = "pgdata" | "natsdata" | "backups" | "archive";

/** Secret files uploaded root-only (mode 0400, secret in state): the db password, the backup login, the off-site credentials. */
export type EdgeSecretFile = "dbPassword" | "pgpass" | "rcloneConfig";

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
    /** Which image of the site's {@link EdgeImages} it runs. */
    image: EdgeImageName;
    /** Replaces the image's entrypoint (the rclone image's is `rclone`). */
    entrypoint?: string[];
    /** Arguments after the image's entrypoint. */
    command?: string[];
    /** Plain environment (`KEY=value`); never secrets. */
    env: string[];
    /** Secret files uploaded into this container (root-only), by path. */
    secretFiles: { file: string; secret: EdgeSecretFile }[];
    /** Plain files uploaded into this container (scripts, pg_hba.conf). */
    files: { file: string; content: string; permissions: string }[];
    healthcheck: EdgeHealthcheck;
    /** Published ports: container port → host port. */
    ports: { internal: number; external: number }[];
    /** Named volumes and their mount points. */
    volumes: { volume: EdgeVolume; containerPath: string }[];
    /** Holds the facility's data (gets residency labels). */
    dataBearing: boolean;
    /** Containers created before this one. */
    after: EdgeContainer[];
    /** Labels beyond the site's (the off-site target, read by the policy). */
    labels?: Record<string, string>;
}

const dbPasswordFile = [{ file: DB_PASSWORD_FILE, secret: "dbPassword" as const }];

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
        // Backups: every WAL segment archived (within archive_timeout), and the pg_hba.conf that
        // lets the backup container's pg_basebackup in (a wal sender: counted by backupStreams).
        ...(settings.backup ? { ...walArchiveSettings(ARCHIVE_DIR, settings.backup.archiveTimeoutSeconds), hba_file: PG_HBA_FILE } : {}),
    };
}

/** The backup and off-site containers (none when backups are off; no off-site one without a target). */
function backupContainerSpecs(settings: EdgeSiteSettings): EdgeContainerSpec[] {
    const backup = settings.backup;
    if (backup === undefined) return [];
    const both = [
        { volume: "backups" as const, containerPath: BACKUPS_DIR },
        { volume: "archive" as const, containerPath: ARCHIVE_DIR },
    ];
    const specs: EdgeContainerSpec[] = [{
        container: "backup",
        alias: "backup",
        image: "postgres",
        // The image's entrypoint runs any command other than `postgres` as given.
        command: ["sh", BACKUP_SCRIPT_FILE],
        env: [],
        secretFiles: [{ file: PGPASS_FILE, secret: "pgpass" }],
        files: [{
            file: BACKUP_SCRIPT_FILE, permissions: "0555",
            content: edgeBackupScript({ intervalHours: backup.intervalHours, keep: backup.keep, host: "postgres", port: INTERNAL_PORTS.postgres, adminUser: settings.adminUser }),
        }],
        healthcheck: {
            tests: backupHealthcheck(backup.intervalHours),
            // The first base backup of a large database takes a while.
            interval: "5m", timeout: "30s", retries: 3, startPeriod: "2h",
        },
        ports: [],
        volumes: both,
        dataBearing: true,
        after: [],
    }];
    if (backup.offsite) {
        specs.push({
            container: "offsite",
            alias: "offsite",
            image: "rclone",
            entrypoint: ["sh"],
            command: [OFFSITE_SCRIPT_FILE],
            env: [],
            secretFiles: [{ file: RCLONE_CONFIG_FILE, secret: "rcloneConfig" }],
            files: [{ file: OFFSITE_SCRIPT_FILE, permissions: "0555", content: offsiteCopyScript({ offsite: backup.offsite, keep: backup.keep, prefix: settings.facilityId }) }],
            healthcheck: {
                tests: offsiteHealthcheck(backup.offsite.intervalMinutes),
                interval: "5m", timeout: "30s", retries: 3, startPeriod: "2h",
            },
            ports: [],
            volumes: both.map((v) => ({ ...v })),
            dataBearing: true,
            after: ["backup"],
            labels: backupTargetLabels(backup.offsite),
        });
    }
    return specs;
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
    const backups = backupContainerSpecs(settings);
    return [
        // The backup container first: it hands the archive volume to the postgres user before the server archives into it.
        ...backups.filter((s) => s.container === "backup"),
        {
            container: "postgres",
            alias: "postgres",
            image: "postgres",
            command: ["postgres", ...serverFlags],
            env: [
                `POSTGRES_USER=${settings.adminUser}`,
                `POSTGRES_DB=${settings.databaseName}`,
                `POSTGRES_PASSWORD_FILE=${DB_PASSWORD_FILE}`,
            ],
            secretFiles: dbPasswordFile,
            files: settings.backup ? [{ file: PG_HBA_FILE, content: edgePgHba(settings.adminUser), permissions: "0444" }] : [],
            healthcheck: {
                tests: ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", settings.adminUser, "-d", settings.databaseName],
                interval: "10s", timeout: "5s", retries: 5, startPeriod: "30s",
            },
            ports: [{ internal: INTERNAL_PORTS.postgres, external: settings.ports.postgres }],
            volumes: [
                { volume: "pgdata", containerPath: "/var/lib/postgresql/data" },
                ...(settings.backup ? [{ volume: "archive" as const, containerPath: ARCHIVE_DIR }] : []),
            ],
            dataBearing: true,
            after: settings.backup ? ["backup"] : [],
        },
        {
            container: "backend",
            alias: "backend",
            image: "backend",
            env: [
                `FACILITY_ID=${settings.facilityId}`,
                `TENANT_ID=${settings.tenantId}`,
                `PORT=${INTERNAL_PORTS.backend}`,
                ...databaseEnv,
                `NATS_URL=nats://nats:${INTERNAL_PORTS.nats}`,
                `REGIONAL_CLOUD_URL=${settings.regionalApiUrl}`,
            ],
            secretFiles: dbPasswordFile,
            files: [],
            healthcheck: {
                tests: wgetHealth(`http://127.0.0.1:${INTERNAL_PORTS.backend}/health`),
                interval: "15s", timeout: "5s", retries: 3, startPeriod: "60s",
            },
            ports: [{ internal: INTERNAL_PORTS.backend, external: settings.ports.backend }],
            volumes: [],
            dataBearing: false,
            // Docker has no health-gated start outside compose; created after the database at least.
            after: ["postgres"],
        },
        {
            container: "nats",
            alias: "nats",
            image: "nats",
            // JetStream with its store on the named volume; monitoring port for the healthcheck.
            command: ["-js", "-sd", "/data", "-m", String(INTERNAL_PORTS.natsMonitor)],
            env: [],
            secretFiles: [],
            files: [],
            healthcheck: {
                tests: wgetHealth(`http://127.0.0.1:${INTERNAL_PORTS.natsMonitor}/healthz?js-enabled-only=true`),
                interval: "10s", timeout: "5s", retries: 3, startPeriod: "10s",
            },
            ports: [{ internal: INTERNAL_PORTS.nats, external: settings.ports.nats }],
            volumes: [{ volume: "natsdata", containerPath: "/data" }],
            dataBearing: true,
            after: [],
        },
        {
            container: "healthMonitor",
            alias: "health-monitor",
            image: "healthMonitor",
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
            secretFiles: [],
            files: [],
            healthcheck: {
                tests: wgetHealth(`http://127.0.0.1:${INTERNAL_PORTS.healthMonitor}/health`),
                interval: "30s", timeout: "5s", retries: 3, startPeriod: "15s",
            },
            ports: [],
            volumes: [],
            dataBearing: false,
            after: [],
        },
        ...backups.filter((s) => s.container === "offsite"),
    ];
}
