/**
 * Scheduled edge backups: PostgreSQL's continuous WAL archiving into an `archive` volume, plain
 * `pg_basebackup` base backups into a `backups` volume, and optionally an off-site copy of both
 * to an S3 bucket or Azure blob container of the facility's own sovereignty zone.
 *
 * Pure (no Pulumi resources): the settings, the shell scripts the containers run and the on-disk
 * layout are generated here, so the tests can check them (`sh -n`, shellcheck) and the restore
 * drill (tools/dr) reads exactly the layout the backup container writes.
 *
 * Layout (inside the containers; the drill uses the same names under its own root):
 *
 * ```
 * /backups/20261207T031500Z/    a complete base backup (plain format, backup_label, backup_manifest)
 * /backups/.partial-<name>/     one being taken (renamed when complete and verified; removed on failure)
 * /archive/000000010000000000000042   archived WAL segments (archive_command), plus .history/.backup files
 * ```
 */
import type * as pulumi from "@pulumi/pulumi";
import { ValidationError, oneOf } from "../../shared/errors";
import { assertIntegerInRange } from "../../shared/checks";
import { Zone, assertEdgeBackupTarget } from "../../shared/sovereignty";

/** Mount point of the base backups volume (backup and off-site containers). */
export const BACKUPS_DIR = "/backups";
/** Mount point of the WAL archive volume (PostgreSQL, backup and off-site containers). */
export const ARCHIVE_DIR = "/archive";
/** Where the backup container reads its login (a libpq password file; uploaded, secret). */
export const PGPASS_FILE = "/run/secrets/pgpass";
/** Where the off-site container reads its rclone remote with the credentials (uploaded, secret). */
export const RCLONE_CONFIG_FILE = "/run/secrets/rclone.conf";
/** The pg_hba.conf PostgreSQL reads when backups are on (it adds the backup container's replication login). */
export const PG_HBA_FILE = "/etc/agogsaas/pg_hba.conf";
/** The scripts, uploaded into their containers. */
export const BACKUP_SCRIPT_FILE = "/usr/local/bin/agogsaas-backup.sh";
export const OFFSITE_SCRIPT_FILE = "/usr/local/bin/agogsaas-offsite.sh";
/** Name of the rclone remote in {@link rcloneConfig}. */
const RCLONE_REMOTE = "offsite";

/** A complete base backup's directory name: its UTC start, `date -u +%Y%m%dT%H%M%SZ`. Sorts chronologically. */
export const BASE_BACKUP_NAME = /^[0-9]{8}T[0-9]{6}Z$/;
/** The same as a shell glob (the scripts list backups with it). */
const BASE_BACKUP_GLOB = "[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z";
/** Prefix of a base backup still being written. */
export const PARTIAL_PREFIX = ".partial-";

/** The directory name of a base backup started at `at` (what the script's `date` writes). */
export function baseBackupName(at: Date): string {
    return at.toISOString().replace(/[-:]/g, "").replace(/\.[0-9]{3}Z$/, "Z");
}

/** The newest complete base backup among directory names (partial ones and strangers ignored). */
export function newestBaseBackup(names: readonly string[]): string | undefined {
    return names.filter((n) => BASE_BACKUP_NAME.test(n)).sort().at(-1);
}

/** Server settings that archive every finished WAL segment into `archiveDir`, and force a switch every `timeoutSeconds`. */
export function walArchiveSettings(archiveDir: string, timeoutSeconds: number): Record<string, string> {
    if (/['"%\n]/.test(archiveDir)) throw new Error(`walArchiveSettings: archive directory ${JSON.stringify(archiveDir)} must not contain quotes, % or newlines`);
    return {
        archive_mode: "on",
        // Never overwrite: a segment already archived under that name is a different timeline's or a bug.
        // Copy, then rename: a reader (the off-site copy) never sees a half-written segment under its name.
        archive_command: `test ! -f '${archiveDir}/%f' && cp '%p' '${archiveDir}/%f.tmp' && mv '${archiveDir}/%f.tmp' '${archiveDir}/%f'`,
        archive_timeout: `${timeoutSeconds}s`,
    };
}

// ---------------------------------------------------------------------------------------------
// Arguments

/** Fields shared by both off-site targets. */
interface OffsiteCommon {
    /** Minutes between two off-site copies (bounds what a lost disk loses: the archive since the last copy). Default 5. */
    intervalMinutes?: number;
}

/** Off-site copy to an S3 bucket (created and secured outside this component, e.g. by the regional stack). */
export interface EdgeBackupS3Target extends OffsiteCommon {
    /** Cloud of the target. */
    cloud: "aws";
    /** Bucket name (3-63 lower-case letters, digits, `.` and `-`). Required. */
    bucket: string;
    /** The bucket's AWS region; must be in the facility's zone. Required. */
    region: string;
    /** Access key id of a principal that may write the bucket's `<facilityId>/` prefix. Required (secret). */
    accessKeyId: pulumi.Input<string>;
    /** Its secret access key. Required (secret). */
    secretAccessKey: pulumi.Input<string>;
}

/** Off-site copy to an Azure blob container. */
export interface EdgeBackupAzureTarget extends OffsiteCommon {
    /** Cloud of the target. */
    cloud: "azure";
    /** Storage account name (3-24 lower-case letters and digits). Required. */
    storageAccount: string;
    /** Blob container (3-63 lower-case letters, digits and `-`). Required. */
    container: string;
    /** The storage account's Azure location; must be in the facility's zone. Required. */
    location: string;
    /** A container-level SAS URL with read, write, list and delete rights. Required (secret). */
    sasUrl: pulumi.Input<string>;
}

export type EdgeBackupTarget = EdgeBackupS3Target | EdgeBackupAzureTarget;

/** Scheduled backups of the edge database (docs/edge.md, "Backups"). */
export interface EdgeBackupArgs {
    /** Take backups at all (WAL archiving, base backups, off-site copy). Default true. */
    enabled?: boolean;
    /** Hours between two base backups (1-168). Default 24. */
    intervalHours?: number;
    /** Base backups kept, locally and off-site; archived WAL older than the oldest kept one is pruned (1-90). Default 7. */
    keep?: number;
    /** `archive_timeout`: the longest a committed change waits before its WAL segment is archived (30-3600 s). Default 60. */
    archiveTimeoutSeconds?: number;
    /** Off-site copy of both volumes, to a target in the facility's zone only. Default none (volumes only). */
    offsite?: EdgeBackupTarget;
}

/** Validated off-site target. */
export interface OffsiteSettings {
    cloud: "aws" | "azure";
    /** AWS region or Azure location (normalised). */
    region: string;
    /** S3 bucket or Azure blob container. */
    bucket: string;
    /** Azure storage account (Azure only). */
    storageAccount?: string;
    intervalMinutes: number;
    /** rclone config keys with secret values: `access_key_id`/`secret_access_key` or `sas_url`. */
    credentials: Record<string, pulumi.Input<string>>;
}

/** Validated, defaulted backup settings (undefined when backups are disabled). */
export interface EdgeBackupSettings {
    intervalHours: number;
    keep: number;
    archiveTimeoutSeconds: number;
    offsite?: OffsiteSettings;
}

export const DEFAULT_EDGE_BACKUP = { intervalHours: 24, keep: 7, archiveTimeoutSeconds: 60, offsiteIntervalMinutes: 5 } as const;

const BACKUP_FIELDS = ["enabled", "intervalHours", "keep", "archiveTimeoutSeconds", "offsite"];
const OFFSITE_FIELDS: Record<"aws" | "azure", string[]> = {
    aws: ["cloud", "bucket", "region", "accessKeyId", "secretAccessKey", "intervalMinutes"],
    azure: ["cloud", "storageAccount", "container", "location", "sasUrl", "intervalMinutes"],
};
const S3_BUCKET = /^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const STORAGE_ACCOUNT = /^[a-z0-9]{3,24}$/;
const BLOB_CONTAINER = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;

function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

function knownFields(field: string, value: Record<string, unknown>, allowed: readonly string[]): void {
    const unknown = Object.keys(value).find((key) => !allowed.includes(key));
    if (unknown !== undefined) throw new ValidationError(`${field}.${unknown}`, "unknown field", oneOf(allowed));
}

function integer(field: string, value: unknown, fallback: number, min: number, max: number): number {
    return value === undefined ? fallback : assertIntegerInRange(field, value, min, max);
}

function name(field: string, value: unknown, pattern: RegExp, allowed: string): string {
    if (typeof value !== "string" || !pattern.test(value)) throw new ValidationError(field, `invalid value ${JSON.stringify(value)}`, allowed);
    return value;
}

/** A secret input: a non-empty string, or an Output/Promise (checked when known, by the cloud). */
function secret(field: string, value: unknown): pulumi.Input<string> {
    if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
        throw new ValidationError(field, "missing: the off-site copy needs its credentials", "a secret string (stack config: `pulumi config set --secret --path ...`)");
    }
    if (typeof value !== "string" && typeof value !== "object") throw new ValidationError(field, `must be a string, got ${JSON.stringify(value)}`);
    return value as pulumi.Input<string>;
}

function validateOffsite(field: string, zone: Zone, value: unknown): OffsiteSettings {
    if (!isObject(value)) throw new ValidationError(field, "must be an object", '{ cloud: "aws", bucket, region, accessKeyId, secretAccessKey } or { cloud: "azure", storageAccount, container, location, sasUrl }');
    if (value.cloud !== "aws" && value.cloud !== "azure") throw new ValidationError(`${field}.cloud`, `unknown cloud ${JSON.stringify(value.cloud)}`, oneOf(["aws", "azure"]));
    knownFields(field, value, OFFSITE_FIELDS[value.cloud]);
    const intervalMinutes = integer(`${field}.intervalMinutes`, value.intervalMinutes, DEFAULT_EDGE_BACKUP.offsiteIntervalMinutes, 1, 1440);
    if (value.cloud === "aws") {
        const bucket = name(`${field}.bucket`, value.bucket, S3_BUCKET, "an S3 bucket name: 3-63 lower-case letters, digits, \".\" and \"-\"");
        return {
            cloud: "aws", bucket, intervalMinutes,
            region: assertEdgeBackupTarget(`${field}.region`, zone, "aws", value.region),
            credentials: { access_key_id: secret(`${field}.accessKeyId`, value.accessKeyId), secret_access_key: secret(`${field}.secretAccessKey`, value.secretAccessKey) },
        };
    }
    return {
        cloud: "azure", intervalMinutes,
        storageAccount: name(`${field}.storageAccount`, value.storageAccount, STORAGE_ACCOUNT, "3-24 lower-case letters and digits"),
        bucket: name(`${field}.container`, value.container, BLOB_CONTAINER, "a blob container name: 3-63 lower-case letters, digits and single \"-\""),
        region: assertEdgeBackupTarget(`${field}.location`, zone, "azure", value.location),
        credentials: { sas_url: secret(`${field}.sasUrl`, value.sasUrl) },
    };
}

/**
 * Validates and defaults `backup` (field is its path, e.g. `agogsaas:facilities[0].backup`).
 * Undefined means the defaults (backups on, volumes only); `enabled: false` returns undefined.
 * An off-site target outside `zone` throws a SovereigntyError.
 */
export function validateEdgeBackup(field: string, zone: Zone, value: unknown): EdgeBackupSettings | undefined {
    if (value === undefined) value = {};
    if (!isObject(value)) throw new ValidationError(field, `must be an object, got ${JSON.stringify(value)}`, `{ ${BACKUP_FIELDS.join(", ")} }`);
    knownFields(field, value, BACKUP_FIELDS);
    if (value.enabled !== undefined && typeof value.enabled !== "boolean") throw new ValidationError(`${field}.enabled`, `must be true or false, got ${JSON.stringify(value.enabled)}`);
    const settings: EdgeBackupSettings = {
        intervalHours: integer(`${field}.intervalHours`, value.intervalHours, DEFAULT_EDGE_BACKUP.intervalHours, 1, 168),
        keep: integer(`${field}.keep`, value.keep, DEFAULT_EDGE_BACKUP.keep, 1, 90),
        archiveTimeoutSeconds: integer(`${field}.archiveTimeoutSeconds`, value.archiveTimeoutSeconds, DEFAULT_EDGE_BACKUP.archiveTimeoutSeconds, 30, 3600),
        offsite: value.offsite === undefined ? undefined : validateOffsite(`${field}.offsite`, zone, value.offsite),
    };
    return value.enabled === false ? undefined : settings;
}

// ---------------------------------------------------------------------------------------------
// What the containers read

/** Labels of the off-site container: the policy `backups-stay-in-zone` reads the target from them. */
export const BACKUP_TARGET_LABELS = {
    cloud: "agogsaas.backup-target-cloud",
    region: "agogsaas.backup-target-region",
    bucket: "agogsaas.backup-target",
} as const;

export function backupTargetLabels(offsite: OffsiteSettings): Record<string, string> {
    return {
        [BACKUP_TARGET_LABELS.cloud]: offsite.cloud,
        [BACKUP_TARGET_LABELS.region]: offsite.region,
        [BACKUP_TARGET_LABELS.bucket]: offsite.storageAccount ? `${offsite.storageAccount}/${offsite.bucket}` : offsite.bucket,
    };
}

/**
 * pg_hba.conf with backups on. The first seven lines are what the official image writes (initdb's
 * trust for local connections, `host all all all scram-sha-256`); the replication line is new:
 * the image allows replication connections only over the socket and loopback, and pg_basebackup
 * runs in the backup container on the site network. Only the admin role, with its password: the
 * superuser can read every file over a normal connection anyway, so this widens nothing.
 */
export function edgePgHba(adminUser: string): string {
    return [
        // The historic path, kept: the script is a container upload, and new text would replace every edge's containers.
        "# Generated by agogsaas (components/edge/backup.ts); replaced on every deployment.",
        "# TYPE  DATABASE     USER      ADDRESS        METHOD",
        "local   all          all                      trust",
        "host    all          all       127.0.0.1/32   trust",
        "host    all          all       ::1/128        trust",
        "local   replication  all                      trust",
        "host    replication  all       127.0.0.1/32   trust",
        "host    replication  all       ::1/128        trust",
        `host    replication  ${adminUser}  samenet  scram-sha-256`,
        "host    all          all       all            scram-sha-256",
        "",
    ].join("\n");
}

/** A libpq password file line for the backup container's replication login (`:` and `\` escaped). */
export function pgpassLine(host: string, port: number, user: string, password: string): string {
    const esc = (s: string) => s.replace(/[\\:]/g, (c) => `\\${c}`);
    // Database `*`: a physical replication connection matches the pseudo-database "replication".
    return `${esc(host)}:${port}:*:${esc(user)}:${esc(password)}\n`;
}

/** The rclone config of the off-site remote, with the credentials (secret: uploaded as a root-only file). */
export function rcloneConfig(offsite: OffsiteSettings, credentials: Record<string, string>): string {
    const lines = offsite.cloud === "aws"
        ? ["type = s3", "provider = AWS", `region = ${offsite.region}`, "no_check_bucket = true", "server_side_encryption = AES256"]
        : ["type = azureblob", `account = ${offsite.storageAccount}`];
    for (const [key, value] of Object.entries(credentials)) {
        if (/[\r\n]/.test(value)) throw new Error(`rcloneConfig: credential ${key} contains a line break`);
        lines.push(`${key} = ${value}`);
    }
    return `[${RCLONE_REMOTE}]\n${lines.join("\n")}\n`;
}

/** sed that prints a backup_label's starting WAL segment (`START WAL LOCATION: 0/2000028 (file 000000010000000000000002)`). */
const START_WAL_SED = "s/^START WAL LOCATION: .*(file \\([0-9A-F]\\{24\\}\\)).*$/\\1/p";

/** How often the loops wake up to see whether something is due. */
const TICK_SECONDS = 300;

export interface BackupScriptOptions {
    intervalHours: number;
    keep: number;
    /** PostgreSQL host and port on the site network. */
    host: string;
    port: number;
    adminUser: string;
}

/**
 * The backup container's script (POSIX sh, run by the PostgreSQL image, whose pg_basebackup,
 * pg_verifybackup and pg_archivecleanup match the server). Every TICK_SECONDS: when no complete
 * base backup is younger than the interval (so a restart does not take an extra one), take one
 * into `.partial-<name>` (`-X none`: pg_basebackup then waits until the WAL the backup needs is
 * archived, and the archive holds it), verify it against its manifest, rename it, keep the newest
 * `keep`, and remove archived WAL older than the oldest one kept.
 */
export function edgeBackupScript(o: BackupScriptOptions): string {
    const intervalMinutes = o.intervalHours * 60;
    return `#!/bin/sh
# Scheduled base backups of the edge database. Generated by agogsaas (components/edge/backup.ts).
# \`sh <script> once\` runs one round and exits with its status (tests, or by hand).
set -u
BACKUPS=\${BACKUPS:-${BACKUPS_DIR}}
ARCHIVE=\${ARCHIVE:-${ARCHIVE_DIR}}
KEEP=${o.keep}
# A base backup is due when none finished in the last INTERVAL_MINUTES.
INTERVAL_MINUTES=${intervalMinutes}
TICK_SECONDS=${TICK_SECONDS}
export PGPASSFILE=${PGPASS_FILE}

log() { echo "agogsaas-backup: $*"; }

# Docker creates volumes root-owned; the server archives as the postgres user.
prepare() {
    chown postgres:postgres "$ARCHIVE" && chmod 0700 "$ARCHIVE" && chmod 0700 "$BACKUPS"
    rm -rf "$BACKUPS"/${PARTIAL_PREFIX}*
}

recent_backup() {
    find "$BACKUPS" -mindepth 1 -maxdepth 1 -type d -name '${BASE_BACKUP_GLOB}' -mmin "-$INTERVAL_MINUTES" | head -n 1
}

take_backup() {
    name=$(date -u +%Y%m%dT%H%M%SZ)
    partial="$BACKUPS/${PARTIAL_PREFIX}$name"
    log "base backup $name"
    if ! pg_basebackup -h ${o.host} -p ${o.port} -U ${o.adminUser} -w -D "$partial" -X none -l "agogsaas-$name"; then
        rm -rf "$partial"
        return 1
    fi
    # -n: the WAL is in the archive, not in the backup.
    if ! pg_verifybackup -n "$partial"; then
        rm -rf "$partial"
        return 1
    fi
    chown -R postgres:postgres "$partial"
    mv "$partial" "$BACKUPS/$name"
}

prune() {
    set -- "$BACKUPS"/${BASE_BACKUP_GLOB}
    [ -d "$1" ] || return 0
    while [ "$#" -gt "$KEEP" ]; do
        log "pruning base backup $1"
        rm -rf "$1"
        shift
    done
    oldest_wal=$(sed -n '${START_WAL_SED}' "$1/backup_label")
    [ -n "$oldest_wal" ] || return 0
    pg_archivecleanup "$ARCHIVE" "$oldest_wal"
}

round() {
    [ -z "$(recent_backup)" ] || return 0
    if pg_isready -q -h ${o.host} -p ${o.port} && take_backup && prune; then
        log "base backup done"
    else
        log "base backup failed; retrying in $TICK_SECONDS s"
        return 1
    fi
}

prepare
if [ "\${1:-}" = once ]; then
    round
    exit
fi
while :; do
    round
    sleep "$TICK_SECONDS"
done
`;
}

/** Healthy while a complete base backup is younger than the interval plus an hour's slack. */
export function backupHealthcheck(intervalHours: number): string[] {
    const minutes = intervalHours * 60 + 60;
    return ["CMD", "sh", "-c", `test -n "$(find ${BACKUPS_DIR} -mindepth 1 -maxdepth 1 -type d -name '${BASE_BACKUP_GLOB}' -mmin -${minutes})"`];
}

export interface OffsiteScriptOptions {
    offsite: OffsiteSettings;
    keep: number;
    /** Prefix in the bucket/container: the facility id. */
    prefix: string;
}

/**
 * The off-site container's script (POSIX sh in the rclone image). Every interval: copy (never
 * sync: a wiped local disk must not wipe the off-site copy) the archive and the complete base
 * backups, `--immutable` (a file that changed under an existing name is an error, not an
 * overwrite); then prune off-site by name, as the backup container does locally: keep the newest
 * `keep` base backups and the WAL from the oldest one kept. Modification times are not used:
 * base backup files keep the data files' old ones.
 */
export function offsiteCopyScript(o: OffsiteScriptOptions): string {
    return `#!/bin/sh
# Off-site copy of the edge backups. Generated by agogsaas (components/edge/backup.ts).
# \`sh <script> once\` runs one round and exits with its status (tests, or by hand).
set -u
BACKUPS=\${BACKUPS:-${BACKUPS_DIR}}
ARCHIVE=\${ARCHIVE:-${ARCHIVE_DIR}}
TARGET='${RCLONE_REMOTE}:${o.offsite.bucket}/${o.prefix}'
KEEP=${o.keep}
INTERVAL_SECONDS=${o.offsite.intervalMinutes * 60}
HEALTH_FILE=\${HEALTH_FILE:-/tmp/agogsaas-offsite-ok}
export RCLONE_CONFIG=${RCLONE_CONFIG_FILE}

log() { echo "agogsaas-offsite: $*"; }

copy_up() {
    rclone copy "$ARCHIVE" "$TARGET/archive" --immutable --exclude '*.tmp' &&
        rclone copy "$BACKUPS" "$TARGET/base" --immutable --exclude '${PARTIAL_PREFIX}*/**'
}

prune_remote() {
    # Backup names have no spaces: word splitting is the point here.
    # shellcheck disable=SC2046
    set -- $(rclone lsf --dirs-only "$TARGET/base" | sed -n 's#^\\(${BASE_BACKUP_GLOB}\\)/$#\\1#p' | sort)
    [ "$#" -gt 0 ] || return 0
    while [ "$#" -gt "$KEEP" ]; do
        log "pruning off-site base backup $1"
        rclone purge "$TARGET/base/$1" || return 1
        shift
    done
    oldest_wal=$(rclone cat "$TARGET/base/$1/backup_label" | sed -n '${START_WAL_SED}')
    [ -n "$oldest_wal" ] || return 0
    # Segments before it, whatever their timeline (the first 8 characters), as pg_archivecleanup does.
    rclone lsf --files-only "$TARGET/archive" |
        awk -v keep="$oldest_wal" 'length($0) == 24 && substr($0, 9) < substr(keep, 9)' > "$HEALTH_FILE.old-wal"
    [ -s "$HEALTH_FILE.old-wal" ] || return 0
    rclone delete "$TARGET/archive" --files-from "$HEALTH_FILE.old-wal"
}

round() {
    if copy_up && prune_remote; then
        touch "$HEALTH_FILE"
    else
        log "off-site copy failed; retrying in $INTERVAL_SECONDS s"
        return 1
    fi
}

if [ "\${1:-}" = once ]; then
    round
    exit
fi
while :; do
    round
    sleep "$INTERVAL_SECONDS"
done
`;
}

/** Healthy while the last successful off-site copy is younger than three intervals. */
export function offsiteHealthcheck(intervalMinutes: number): string[] {
    return ["CMD", "sh", "-c", `test -n "$(find /tmp/agogsaas-offsite-ok -mmin -${intervalMinutes * 3 + 5})"`];
}
