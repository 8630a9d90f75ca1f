/**
 * Evidence for diagnosing a failed demo run, switched on with `AGOGSAAS_DEMO_KEEP=<dir>`:
 *
 * - every server's log goes to `<dir>/<server>.log` (with timestamps, pids and replication commands);
 * - the replication state of every node (subscriptions, per-table sync states, origins, slots, WAL
 *   position) is written to `<dir>/state.jsonl` after the steps (not between them: that would
 *   shift the timing of what is being recorded);
 * - when a claim did not hold, the servers are stopped and their data directories are copied to
 *   `<dir>/data/<server>` (start them again with `pg_ctl -D`, as the `postgres` user, and inspect
 *   the catalogs; `<dir>/servers.json` has the ports and the superuser password).
 *
 * Off (the default), none of this runs and the demo behaves exactly as without this module.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { PgConnection } from "../../components/postgres/connection";
import type { LocalPgInstance } from "../local-pg/cluster";
import { rows } from "./workload";

/** The environment variable naming the evidence directory. */
export const KEEP_ENV = "AGOGSAAS_DEMO_KEEP";

/** Server settings that make the logs tell the replication story. */
export const EVIDENCE_SERVER_SETTINGS: Record<string, string> = {
    log_line_prefix: "%m [%p] %q%d %a ",
    log_replication_commands: "on",
};

/** Replication state of one database, as recorded. */
const STATE_QUERIES: Record<string, string> = {
    walLsn: "SELECT pg_current_wal_lsn()::text AS lsn",
    subscriptions: "SELECT s.subname, s.subenabled, s.subslotname, s.suborigin, st.relid::regclass::text AS relid, st.pid, " +
        "st.received_lsn::text, st.latest_end_lsn::text FROM pg_subscription s LEFT JOIN pg_stat_subscription st ON st.subid = s.oid " +
        "WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 1, 5",
    tableStates: "SELECT s.subname, r.srrelid::regclass::text AS rel, r.srsubstate, r.srsublsn::text FROM pg_subscription_rel r " +
        "JOIN pg_subscription s ON s.oid = r.srsubid ORDER BY 1, 2",
    origins: "SELECT o.roname, st.remote_lsn::text, st.local_lsn::text FROM pg_replication_origin o " +
        "LEFT JOIN pg_replication_origin_status st ON st.local_id = o.roident ORDER BY 1",
    slots: "SELECT slot_name, plugin, database, active, active_pid, restart_lsn::text, confirmed_flush_lsn::text, wal_status " +
        "FROM pg_replication_slots WHERE database = current_database() ORDER BY 1",
};

export class DemoEvidence {
    private readonly logs = new Map<string, fs.WriteStream>();

    constructor(public readonly dir: string) {
        fs.mkdirSync(dir, { recursive: true });
    }

    /** Appends one server log line to `<dir>/<server>.log`. */
    logLine(server: string, line: string): void {
        let stream = this.logs.get(server);
        if (!stream) {
            stream = fs.createWriteStream(path.join(this.dir, `${server}.log`), { flags: "a" });
            this.logs.set(server, stream);
        }
        stream.write(`${line}\n`);
    }

    /** Records the ports and password needed to start the kept servers again. */
    recordServers(instances: readonly LocalPgInstance[]): void {
        const servers = instances.map((i) => ({ name: i.name, port: i.port, dataDir: i.dataDir, password: i.connection().password }));
        fs.writeFileSync(path.join(this.dir, "servers.json"), `${JSON.stringify(servers, null, 2)}\n`);
    }

    /** Appends the replication state of every reachable database to `<dir>/state.jsonl`. */
    async snapshot(label: string, databases: Record<string, PgConnection>): Promise<void> {
        const state: Record<string, unknown> = {};
        for (const [node, conn] of Object.entries(databases)) {
            const found: Record<string, unknown> = {};
            try {
                for (const [key, sql] of Object.entries(STATE_QUERIES)) found[key] = await rows(conn, sql);
            } catch (error) {
                found.error = error instanceof Error ? error.message : String(error);
            }
            state[node] = found;
        }
        fs.appendFileSync(path.join(this.dir, "state.jsonl"), `${JSON.stringify({ at: new Date().toISOString(), label, state })}\n`);
    }

    /** Stops the servers and copies their data directories to `<dir>/data/<server>`; returns the copies. */
    async keepDataDirs(instances: readonly LocalPgInstance[]): Promise<string[]> {
        const kept: string[] = [];
        for (const instance of instances) {
            await instance.stop().catch(() => instance.kill());
            const target = path.join(this.dir, "data", instance.name);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            // cp -a: the copy keeps the postgres user's ownership and modes, so pg_ctl can start it.
            execFileSync("cp", ["-a", instance.dataDir, target]);
            kept.push(target);
        }
        return kept;
    }

    /** Flushes the log files. */
    async close(): Promise<void> {
        await Promise.all([...this.logs.values()].map((stream) => new Promise<void>((resolve) => stream.end(resolve))));
        this.logs.clear();
    }
}

/** The evidence recorder when `AGOGSAAS_DEMO_KEEP` is set, else undefined. */
export function evidenceFromEnv(env: NodeJS.ProcessEnv = process.env): DemoEvidence | undefined {
    const dir = env[KEEP_ENV];
    return dir ? new DemoEvidence(path.resolve(dir)) : undefined;
}
