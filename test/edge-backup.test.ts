/**
 * EdgeSite's scheduled backups: the containers, volumes and labels it declares, the validation
 * of `backup` (nothing registered on a bad value), and the generated scripts: parsed by `sh -n`
 * and shellcheck, and run one round against stub pg_* / rclone commands (no PostgreSQL 16
 * pg_basebackup on this machine, see docs/edge.md).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { EdgeSite, EdgeSiteArgs } from "../components/edge-site/edge-site";
import { SovereigntyError, ValidationError } from "../components/shared/errors";
import {
    BACKUP_TARGET_LABELS, baseBackupName, edgeBackupScript, edgePgHba, newestBaseBackup, offsiteCopyScript,
    rcloneConfig, validateEdgeBackup, walArchiveSettings,
} from "../components/edge-site/internal/backup";
import { EDGE_SIZES } from "../components/edge-site/sizes";
import { TAG_RESIDENCY } from "../components/shared/sovereignty";
import { REDACTED, SynthError, SynthResource, SynthResult, synthesize } from "../tools/synth/mock-runtime";
import { labelsOf, named } from "./support/synth-graph";
import { runStack } from "../stacks/program";
import { Config, configOf, editObject } from "./support/stack-config";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const IMAGE = "docker:index/remoteImage:RemoteImage";

const S3 = { cloud: "aws" as const, bucket: "agogsaas-eu-backups", region: "eu-central-1", accessKeyId: "AKIAEXAMPLEKEY", secretAccessKey: "s3-secret-do-not-print" };
const AZURE = { cloud: "azure" as const, storageAccount: "agogsaaseubackups", container: "edge-backups", location: "Germany West Central", sasUrl: "https://agogsaaseubackups.blob.core.windows.net/edge-backups?sv=sas-do-not-print" };

function edgeArgs(overrides: Partial<EdgeSiteArgs> = {}): EdgeSiteArgs {
    return {
        facilityId: "facility-fra-001",
        tenantId: "tenant-foo-inc",
        zone: "eu",
        dockerHost: "ssh://agog@edge-fra-001.vpn.agogsaas.example.com",
        size: "large",
        production: true,
        images: { backend: "ghcr.io/agogsaas/backend:1.4.2", healthMonitor: "ghcr.io/agogsaas/health-monitor:1.4.2" },
        regionalApiUrl: "https://eu-central.agogsaas.example.com",
        regionalHealthUrl: "https://eu-central.agogsaas.example.com/edge/health",
        ...overrides,
    };
}

let counter = 0;
function synth(args: EdgeSiteArgs): Promise<SynthResult> {
    return synthesize({ project: "agogsaas", stack: `edge-backup-${++counter}`, program: () => { new EdgeSite("fra", args); } });
}

const flagsOf = (r: SynthResource): Record<string, string> => {
    const command = r.inputs.command as string[];
    return Object.fromEntries(command.filter((_, i) => command[i - 1] === "-c").map((f) => [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)]));
};
type Upload = { file: string; content: string; permissions: string };
const uploadsOf = (r: SynthResource): Upload[] => (r.inputs.uploads ?? []) as Upload[];

describe("EdgeSite backups", () => {
    describe("with an S3 target in the zone", () => {
        let result: SynthResult;
        before(async () => {
            result = await synth(edgeArgs({ backup: { intervalHours: 12, keep: 3, archiveTimeoutSeconds: 120, offsite: { ...S3, intervalMinutes: 10 } } }));
        });

        it("archives the WAL into the archive volume and lets the backup container's replication login in", () => {
            const pg = named(result, "fra-postgres");
            const flags = flagsOf(pg);
            assert.strictEqual(flags.archive_mode, "on");
            assert.strictEqual(flags.archive_command, "test ! -f '/archive/%f' && cp '%p' '/archive/%f.tmp' && mv '/archive/%f.tmp' '/archive/%f'");
            assert.strictEqual(flags.archive_timeout, "120s");
            assert.strictEqual(flags.hba_file, "/etc/agogsaas/pg_hba.conf");
            assert.deepStrictEqual(pg.inputs.volumes, [
                { volumeName: "agogsaas-facility-fra-001-pgdata", containerPath: "/var/lib/postgresql/data" },
                { volumeName: "agogsaas-facility-fra-001-archive", containerPath: "/archive" },
            ]);
            const hba = uploadsOf(pg).find((u) => u.file === "/etc/agogsaas/pg_hba.conf");
            assert.ok(hba, "pg_hba.conf uploaded");
            assert.strictEqual(hba.permissions, "0444", "readable by the server's user");
            assert.match(hba.content, /^host +replication +agogsaas +samenet +scram-sha-256$/m);
            assert.match(hba.content, /^host +all +all +all +scram-sha-256$/m, "the image's rule for everyone else stays");
            // The password file stays first and secret.
            assert.deepStrictEqual(pg.secretPaths, ["uploads[0].content"]);
            // The backup container is created first: it hands the archive volume to the postgres user.
            assert.ok(pg.dependencies.includes(named(result, "fra-backup").urn), "postgres after backup");
        });

        it("runs the backup container on the PostgreSQL image with both volumes, its script, a secret login and a healthcheck", () => {
            const backup = named(result, "fra-backup");
            assert.strictEqual(backup.inputs.image, named(result, "fra-postgres").inputs.image, "the server's own image: pg_basebackup matches it");
            assert.strictEqual(result.resources.filter((r) => r.type === IMAGE && r.inputs.name === "postgres:16.6-alpine").length, 1, "pulled once");
            assert.deepStrictEqual(backup.inputs.command, ["sh", "/usr/local/bin/agogsaas-backup.sh"]);
            assert.deepStrictEqual(backup.inputs.volumes, [
                { volumeName: "agogsaas-facility-fra-001-backups", containerPath: "/backups" },
                { volumeName: "agogsaas-facility-fra-001-archive", containerPath: "/archive" },
            ]);
            assert.deepStrictEqual(backup.secretPaths, ["uploads[0].content"]);
            const [login, script] = uploadsOf(backup);
            assert.deepStrictEqual([login.file, login.content, login.permissions], ["/run/secrets/pgpass", REDACTED, "0400"]);
            assert.strictEqual(script.file, "/usr/local/bin/agogsaas-backup.sh");
            assert.match(script.content, /pg_basebackup -h postgres -p 5432 -U agogsaas -w -D "\$partial" -X none/);
            assert.match(script.content, /^KEEP=3$/m);
            assert.match(script.content, /^INTERVAL_MINUTES=720$/m);
            const health = backup.inputs.healthcheck as { tests: string[] };
            assert.deepStrictEqual(health.tests.slice(0, 3), ["CMD", "sh", "-c"]);
            assert.match(health.tests[3], /-mmin -780\)"$/, "a base backup younger than the interval plus an hour");
            assert.strictEqual(backup.inputs.memory, EDGE_SIZES.large.limits.backup.memoryMb);
            assert.strictEqual(backup.inputs.cpus, EDGE_SIZES.large.limits.backup.cpus);
            assert.strictEqual(backup.inputs.restart, "unless-stopped");
        });

        it("copies off-site with a pinned rclone image, credentials only in a secret file, the target in labels", () => {
            const offsite = named(result, "fra-offsite");
            assert.ok(result.resources.some((r) => r.type === IMAGE && r.inputs.name === "rclone/rclone:1.68.2"));
            assert.deepStrictEqual(offsite.inputs.entrypoints, ["sh"]);
            assert.deepStrictEqual(offsite.inputs.command, ["/usr/local/bin/agogsaas-offsite.sh"]);
            assert.deepStrictEqual(offsite.inputs.envs, []);
            assert.deepStrictEqual(offsite.secretPaths, ["uploads[0].content"]);
            const [config, script] = uploadsOf(offsite);
            assert.deepStrictEqual([config.file, config.content, config.permissions], ["/run/secrets/rclone.conf", REDACTED, "0400"]);
            assert.match(script.content, /^TARGET='offsite:agogsaas-eu-backups\/facility-fra-001'$/m);
            assert.match(script.content, /^INTERVAL_SECONDS=600$/m);
            const labels = labelsOf(offsite);
            assert.strictEqual(labels[BACKUP_TARGET_LABELS.cloud], "aws");
            assert.strictEqual(labels[BACKUP_TARGET_LABELS.region], "eu-central-1");
            assert.strictEqual(labels[BACKUP_TARGET_LABELS.bucket], "agogsaas-eu-backups");
            assert.strictEqual(labels[TAG_RESIDENCY], "eu");
            assert.ok(offsite.dependencies.includes(named(result, "fra-backup").urn));
            const serialised = JSON.stringify(result);
            for (const secret of [S3.secretAccessKey, S3.accessKeyId]) assert.ok(!serialised.includes(secret), "no credential in the synth result");
        });

        it("declares the backups and archive volumes with residency labels, retained on delete", () => {
            for (const name of ["fra-backups", "fra-archive"]) {
                const volume = named(result, name);
                assert.strictEqual(volume.type, VOLUME);
                assert.strictEqual(labelsOf(volume)[TAG_RESIDENCY], "eu");
                assert.strictEqual(volume.retainOnDelete, true);
            }
            assert.strictEqual(result.resources.filter((r) => r.type === CONTAINER).length, 6);
        });
    });

    it("an Azure target: the storage account in the config, the container in the path, the location normalised", async () => {
        const result = await synth(edgeArgs({ backup: { offsite: AZURE } }));
        const offsite = named(result, "fra-offsite");
        assert.strictEqual(labelsOf(offsite)[BACKUP_TARGET_LABELS.region], "germanywestcentral");
        assert.strictEqual(labelsOf(offsite)[BACKUP_TARGET_LABELS.bucket], "agogsaaseubackups/edge-backups");
        assert.match(uploadsOf(offsite)[1].content, /^TARGET='offsite:edge-backups\/facility-fra-001'$/m);
        assert.ok(!JSON.stringify(result).includes("sas-do-not-print"));
    });

    it("rclone's config carries the region and the credentials it is given", () => {
        const s3 = validateEdgeBackup("b", "eu", { offsite: S3 })!.offsite!;
        assert.strictEqual(rcloneConfig(s3, { access_key_id: "A", secret_access_key: "S" }),
            "[offsite]\ntype = s3\nprovider = AWS\nregion = eu-central-1\nno_check_bucket = true\nserver_side_encryption = AES256\naccess_key_id = A\nsecret_access_key = S\n");
        const azure = validateEdgeBackup("b", "eu", { offsite: AZURE })!.offsite!;
        assert.strictEqual(rcloneConfig(azure, { sas_url: "https://x" }), "[offsite]\ntype = azureblob\naccount = agogsaaseubackups\nsas_url = https://x\n");
        assert.throws(() => rcloneConfig(azure, { sas_url: "https://x\n[evil]" }), /line break/);
    });

    it("is on by default (volumes only); enabled: false declares none of it and leaves PostgreSQL as before", async () => {
        const on = await synth(edgeArgs());
        assert.ok(on.resources.some((r) => r.name === "fra-backup"));
        assert.ok(!on.resources.some((r) => r.name === "fra-offsite"), "no off-site container without a target");
        assert.strictEqual(flagsOf(named(on, "fra-postgres")).archive_timeout, "60s");
        const off = await synth(edgeArgs({ backup: { enabled: false } }));
        for (const name of ["fra-backup", "fra-offsite", "fra-backups", "fra-archive"]) assert.ok(!off.resources.some((r) => r.name === name), name);
        const pg = named(off, "fra-postgres");
        assert.strictEqual(flagsOf(pg).archive_mode, undefined);
        assert.strictEqual(flagsOf(pg).hba_file, undefined);
        assert.strictEqual(uploadsOf(pg).length, 1);
    });

    describe("rejects a bad backup setting before registering anything", () => {
        const cases: [string, unknown, RegExp, typeof ValidationError][] = [
            ["S3 bucket in another zone", { offsite: { ...S3, region: "us-east-1" } }, /^fra\.backup\.offsite\.region: AWS region "us-east-1" is outside sovereignty zone "eu"/, SovereigntyError],
            ["Azure account in another zone", { offsite: { ...AZURE, location: "eastus" } }, /^fra\.backup\.offsite\.location: Azure location "eastus" is outside sovereignty zone "eu"/, SovereigntyError],
            ["Azure global location", { offsite: { ...AZURE, location: "global" } }, /^fra\.backup\.offsite\.location: "global" is not a storage location/, SovereigntyError],
            ["interval zero", { intervalHours: 0 }, /^fra\.backup\.intervalHours: must be an integer from 1 to 168, got 0/, ValidationError],
            ["interval fraction", { intervalHours: 1.5 }, /^fra\.backup\.intervalHours: must be an integer from 1 to 168, got 1\.5/, ValidationError],
            ["keep zero", { keep: 0 }, /^fra\.backup\.keep: must be an integer from 1 to 90, got 0/, ValidationError],
            ["keep as a string", { keep: "7" }, /^fra\.backup\.keep: must be an integer from 1 to 90, got "7"/, ValidationError],
            ["archive timeout too short", { archiveTimeoutSeconds: 2 }, /^fra\.backup\.archiveTimeoutSeconds: must be an integer from 30 to 3600/, ValidationError],
            ["unknown field", { schedule: "daily" }, /^fra\.backup\.schedule: unknown field\. Allowed: "enabled", "intervalHours", "keep", "archiveTimeoutSeconds" or "offsite"/, ValidationError],
            ["unknown off-site field", { offsite: { ...S3, endpoint: "https://minio" } }, /^fra\.backup\.offsite\.endpoint: unknown field/, ValidationError],
            ["an Azure field on S3", { offsite: { ...S3, container: "x" } }, /^fra\.backup\.offsite\.container: unknown field/, ValidationError],
            ["unknown cloud", { offsite: { ...S3, cloud: "gcp" } }, /^fra\.backup\.offsite\.cloud: unknown cloud "gcp"\. Allowed: "aws" or "azure"/, ValidationError],
            ["bad bucket name", { offsite: { ...S3, bucket: "Backups_EU" } }, /^fra\.backup\.offsite\.bucket: invalid value "Backups_EU"/, ValidationError],
            ["missing secret key", { offsite: { ...S3, secretAccessKey: "" } }, /^fra\.backup\.offsite\.secretAccessKey: missing/, ValidationError],
            ["missing SAS URL", { offsite: { ...AZURE, sasUrl: undefined } }, /^fra\.backup\.offsite\.sasUrl: missing/, ValidationError],
            ["enabled not boolean", { enabled: "yes" }, /^fra\.backup\.enabled: must be true or false/, ValidationError],
            ["not an object", "daily", /^fra\.backup: must be an object/, ValidationError],
        ];
        for (const [label, backup, message, errorClass] of cases) {
            it(label, async () => {
                await assert.rejects(synth(edgeArgs({ backup: backup as never })), (err: unknown) => {
                    assert.ok(err instanceof SynthError, String(err));
                    assert.ok(err.cause instanceof errorClass, `${String(err.cause)} is a ${errorClass.name}`);
                    assert.match(err.message, message);
                    assert.deepStrictEqual(err.partial.resources, [], "nothing registered");
                    return true;
                });
            });
        }

        it("an off-site target is checked against the facility's zone, not a fixed one", () => {
            assert.strictEqual(validateEdgeBackup("b", "us", { offsite: { ...S3, region: "us-east-1" } })?.offsite?.region, "us-east-1");
            assert.throws(() => validateEdgeBackup("b", "apac", { offsite: { ...S3, region: "eu-central-1" } }), SovereigntyError);
        });
    });

    describe("the layout the restore drill reads", () => {
        it("names a base backup by its UTC start, as the script's `date -u +%Y%m%dT%H%M%SZ` does", () => {
            const at = new Date("2026-12-07T03:15:09.876Z");
            assert.strictEqual(baseBackupName(at), "20261207T031509Z");
            const fromDate = execFileSync("date", ["-u", "-d", `@${Math.floor(at.getTime() / 1000)}`, "+%Y%m%dT%H%M%SZ"], { encoding: "utf8" }).trim();
            assert.strictEqual(fromDate, baseBackupName(at));
        });

        it("restores from the newest complete one, never a partial one", () => {
            assert.strictEqual(newestBaseBackup(["20261206T031500Z", ".partial-20261208T031500Z", "20261207T031500Z", "lost+found"]), "20261207T031500Z");
            assert.strictEqual(newestBaseBackup([".partial-20261208T031500Z"]), undefined);
        });
    });

    describe("the generated scripts", () => {
        const backupScript = edgeBackupScript({ intervalHours: 24, keep: 2, host: "postgres", port: 5432, adminUser: "agogsaas" });
        const offsite = validateEdgeBackup("b", "eu", { keep: 2, offsite: S3 })!;
        const offsiteScript = offsiteCopyScript({ offsite: offsite.offsite!, keep: 2, prefix: "facility-fra-001" });
        let dir: string;
        beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-backup-test-")); });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        const write = (name: string, content: string, mode = 0o644): string => {
            const file = path.join(dir, name);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, content, { mode });
            return file;
        };

        it("parse with sh -n", () => {
            for (const [name, script] of [["backup.sh", backupScript], ["offsite.sh", offsiteScript]]) {
                const result = spawnSync("sh", ["-n", write(name, script)], { encoding: "utf8" });
                assert.strictEqual(result.status, 0, `${name}: ${result.stderr}`);
            }
            // The check can fail: a broken script is refused.
            assert.notStrictEqual(spawnSync("sh", ["-n", write("broken.sh", backupScript.replace("done\n", ""))]).status, 0);
        });

        it("pass shellcheck (POSIX sh)", function () {
            if (spawnSync("shellcheck", ["--version"]).status !== 0) {
                this.skip(); // shellcheck not installed (apt-get install shellcheck)
            }
            for (const [name, script] of [["backup.sh", backupScript], ["offsite.sh", offsiteScript]]) {
                const result = spawnSync("shellcheck", ["-s", "sh", write(name, script)], { encoding: "utf8" });
                assert.strictEqual(result.status, 0, `${name}:\n${result.stdout}`);
            }
        });

        /** Stub pg_* commands: pg_basebackup writes a backup_label whose start segment counts up. */
        function stubPostgresTools(options: { failBackup?: boolean } = {}): Record<string, string> {
            const bin = path.join(dir, "bin");
            write("bin/pg_isready", "#!/bin/sh\nexit 0\n", 0o755);
            write("bin/pg_verifybackup", "#!/bin/sh\nexit 0\n", 0o755);
            write("bin/pg_archivecleanup", `#!/bin/sh\necho "$*" >> ${dir}/cleanup.log\n`, 0o755);
            write("bin/pg_basebackup", `#!/bin/sh
${options.failBackup ? "mkdir -p \"$9\"; echo half > \"$9/base\"; exit 1" : ""}
while [ "$#" -gt 0 ]; do [ "$1" = -D ] && target=$2; shift; done
n=$(cat ${dir}/n 2>/dev/null || echo 1); echo $((n + 1)) > ${dir}/n
mkdir -p "$target"
printf 'START WAL LOCATION: 0/%s000028 (file 0000000100000000000000%02X)\\nCHECKPOINT LOCATION: 0/1\\n' "$n" "$n" > "$target/backup_label"
`, 0o755);
            fs.mkdirSync(path.join(dir, "backups"));
            fs.mkdirSync(path.join(dir, "archive"));
            return { ...process.env, PATH: `${bin}:${process.env.PATH}`, BACKUPS: path.join(dir, "backups"), ARCHIVE: path.join(dir, "archive") };
        }

        const complete = () => fs.readdirSync(path.join(dir, "backups")).sort();
        const age = (name: string) => {
            const old = new Date(Date.now() - 25 * 3600_000);
            fs.utimesSync(path.join(dir, "backups", name), old, old);
        };

        it("one round: a base backup named by its start, renamed when complete; none again within the interval", () => {
            const env = stubPostgresTools();
            write("backups/.partial-20260101T000000Z/base", "left over from a crash");
            const script = write("backup.sh", backupScript);
            const first = spawnSync("sh", [script, "once"], { env, encoding: "utf8" });
            assert.strictEqual(first.status, 0, first.stdout + first.stderr);
            const names = complete();
            assert.strictEqual(names.length, 1, names.join(","));
            assert.match(names[0], /^[0-9]{8}T[0-9]{6}Z$/);
            assert.strictEqual(newestBaseBackup(names), names[0]);
            assert.ok(fs.existsSync(path.join(dir, "backups", names[0], "backup_label")));
            // Within the interval (a container restart, say): no second backup.
            assert.strictEqual(spawnSync("sh", [script, "once"], { env }).status, 0);
            assert.deepStrictEqual(complete(), names);
        });

        it("keeps the newest `keep` and cleans the archive up to the oldest kept one's start", () => {
            const env = stubPostgresTools();
            const script = write("backup.sh", backupScript);
            for (const old of ["20261201T000000Z", "20261202T000000Z"]) {
                write(`backups/${old}/backup_label`, `START WAL LOCATION: 0/1 (file 0000000100000000000000${old.slice(6, 8)})\n`);
                age(old);
            }
            const round = spawnSync("sh", [script, "once"], { env, encoding: "utf8" });
            assert.strictEqual(round.status, 0, round.stdout + round.stderr);
            const names = complete();
            assert.strictEqual(names.length, 2, names.join(","));
            assert.strictEqual(names[0], "20261202T000000Z", "the oldest went");
            assert.deepStrictEqual(fs.readFileSync(path.join(dir, "cleanup.log"), "utf8").trim().split("\n"), [`${env.ARCHIVE} 000000010000000000000002`]);
        });

        it("a failed base backup leaves no directory a restore could pick, and fails the round", () => {
            const env = stubPostgresTools({ failBackup: true });
            const round = spawnSync("sh", [write("backup.sh", backupScript), "once"], { env, encoding: "utf8" });
            assert.strictEqual(round.status, 1);
            assert.deepStrictEqual(complete(), [], "the half-written .partial-<name> is removed too");
        });

        it("off-site: copies both volumes, never deletes what is not pruned by name, prunes to `keep` and old WAL", () => {
            // A stub rclone over a local directory standing in for the bucket.
            const remote = path.join(dir, "remote");
            write("bin/rclone", `#!/bin/sh
cmd=$1; shift
p() { echo "${remote}/\${1#offsite:}"; }
case "$cmd" in
  copy) src=$1; dest=$(p "$2"); shift 2; mkdir -p "$dest"; cp -R "$src"/. "$dest"/
        # --exclude PATTERN (top-level names, "dir/**" for a directory) as rclone filters them.
        while [ "$#" -gt 0 ]; do if [ "$1" = --exclude ]; then for f in "$dest"/\${2%/**}; do rm -rf "$f"; done; shift; fi; shift; done ;;
  lsf) dirs=0; [ "$1" = --dirs-only ] && dirs=1; d=$(p "$2"); [ -d "$d" ] || exit 0
       for f in "$d"/*; do [ -e "$f" ] || continue; if [ -d "$f" ]; then [ $dirs = 1 ] && echo "\${f##*/}/"; else [ $dirs = 0 ] && echo "\${f##*/}"; fi; done ;;
  purge) rm -rf "$(p "$1")" ;;
  cat) cat "$(p "$1")" ;;
  delete) d=$(p "$1"); while read -r f; do rm -f "$d/$f"; done < "$3" ;;
  *) exit 2 ;;
esac
`, 0o755);
            fs.mkdirSync(path.join(dir, "backups"));
            fs.mkdirSync(path.join(dir, "archive"));
            const env = { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, BACKUPS: path.join(dir, "backups"), ARCHIVE: path.join(dir, "archive"), HEALTH_FILE: path.join(dir, "ok") };
            const bucket = path.join(remote, "agogsaas-eu-backups", "facility-fra-001");
            for (const [name, segment] of [["20261201T000000Z", "01"], ["20261202T000000Z", "03"], ["20261203T000000Z", "05"]]) {
                write(`backups/${name}/backup_label`, `START WAL LOCATION: 0/1 (file 0000000100000000000000${segment})\n`);
            }
            write("backups/.partial-20261204T000000Z/base", "incomplete");
            for (const segment of ["01", "02", "03", "04", "05"]) write(`archive/0000000100000000000000${segment}`, segment);
            write("archive/00000002.history", "history");
            write("archive/000000010000000000000006.tmp", "being archived");
            const round = spawnSync("sh", [write("offsite.sh", offsiteScript), "once"], { env, encoding: "utf8" });
            assert.strictEqual(round.status, 0, round.stdout + round.stderr);
            assert.ok(fs.existsSync(path.join(dir, "ok")), "healthy after a good round");
            assert.deepStrictEqual(fs.readdirSync(path.join(bucket, "base")).sort(), ["20261202T000000Z", "20261203T000000Z"]);
            assert.deepStrictEqual(fs.readdirSync(path.join(bucket, "archive")).sort(),
                ["000000010000000000000003", "000000010000000000000004", "000000010000000000000005", "00000002.history"]);
            // The local disk wiped: the next round deletes nothing off-site.
            fs.rmSync(path.join(dir, "backups"), { recursive: true });
            fs.rmSync(path.join(dir, "archive"), { recursive: true });
            fs.mkdirSync(path.join(dir, "backups"));
            fs.mkdirSync(path.join(dir, "archive"));
            assert.strictEqual(spawnSync("sh", [path.join(dir, "offsite.sh"), "once"], { env }).status, 0);
            assert.deepStrictEqual(fs.readdirSync(path.join(bucket, "base")).sort(), ["20261202T000000Z", "20261203T000000Z"]);
        });
    });

    it("pg_hba.conf keeps the image's rules and adds replication for the admin only", () => {
        const hba = edgePgHba("agogsaas").split("\n").filter((l) => l !== "" && !l.startsWith("#"));
        assert.strictEqual(hba.filter((l) => /\breplication\b/.test(l) && !/trust$/.test(l)).length, 1);
        assert.strictEqual(hba.at(-1), "host    all          all       all            scram-sha-256");
    });

    describe("stack config: agogsaas:facilities[i].backup", () => {
        type Facility = Record<string, unknown>;
        const withBackup = (backup: unknown) => (config: Config) =>
            editObject<Facility[]>(config, "agogsaas:facilities", (facilities) => { facilities[0].backup = backup; });
        const US_S3 = { cloud: "aws", bucket: "agogsaas-us-east-backups", region: "us-east-1", accessKeyId: "AKIAUSKEY", secretAccessKey: "us-secret-do-not-print" };

        it("the shipped stacks back up every online inline facility (on by default), with no off-site copy", async () => {
            const result = await synthesize({ project: "agogsaas", stack: "us-east", config: configOf("us-east"), program: runStack });
            const backups = result.resources.filter((r) => r.type === CONTAINER && r.name.endsWith("-backup"));
            assert.deepStrictEqual(backups.map((r) => r.name).sort(), ["facility-dal-001-backup", "facility-la-001-backup"]);
            assert.ok(!result.resources.some((r) => r.name.endsWith("-offsite")));
        });

        it("passes an off-site target in the stack's zone to EdgeSite, its credentials secret", async () => {
            const result = await synthesize({ project: "agogsaas", stack: "us-east", config: configOf("us-east", withBackup({ keep: 14, offsite: US_S3 })), program: runStack });
            const offsite = named(result, "facility-la-001-offsite");
            assert.strictEqual(labelsOf(offsite)[BACKUP_TARGET_LABELS.region], "us-east-1");
            assert.deepStrictEqual(offsite.secretPaths, ["uploads[0].content"]);
            assert.match(uploadsOf(named(result, "facility-la-001-backup"))[1].content, /^KEEP=14$/m);
            assert.ok(!JSON.stringify(result).includes("us-secret-do-not-print"));
        });

        const refused: [string, unknown, string, typeof ValidationError][] = [
            ["a bucket in another zone", { offsite: { ...US_S3, region: "eu-central-1" } },
                'agogsaas:facilities[0].backup.offsite.region: AWS region "eu-central-1" is outside sovereignty zone "us" (United States). Allowed: "us-east-1", "us-east-2", "us-west-1" or "us-west-2"', SovereigntyError],
            ["keep out of range", { keep: 365 }, "agogsaas:facilities[0].backup.keep: must be an integer from 1 to 90, got 365", ValidationError],
            ["a misspelt field", { intervalHour: 6 }, 'agogsaas:facilities[0].backup.intervalHour: unknown field. Allowed: "enabled", "intervalHours", "keep", "archiveTimeoutSeconds" or "offsite"', ValidationError],
        ];
        for (const [label, backup, message, errorClass] of refused) {
            it(`refuses ${label}, naming the config key, before registering anything`, async () => {
                await assert.rejects(synthesize({ project: "agogsaas", stack: "us-east", config: configOf("us-east", withBackup(backup)), program: runStack }), (err: unknown) => {
                    assert.ok(err instanceof SynthError, String(err));
                    assert.strictEqual(err.message, message);
                    assert.ok(err.cause instanceof errorClass, String(err.cause));
                    assert.deepStrictEqual(err.partial.resources, []);
                    return true;
                });
            });
        }
    });

    /**
     * The backup script for real, against a PostgreSQL server: this machine's PostgreSQL 15 (Debian's
     * packages; there is no PostgreSQL 16 pg_basebackup here, and a 15 client refuses a 16 server).
     * The tools and the layout are the same in 15 and 16: this runs pg_basebackup -X none,
     * pg_verifybackup, the pruning and pg_archivecleanup as the container does, then restores the
     * newest backup with the archive as docs/dr.md describes. Skipped where those tools are missing.
     */
    describe("against a real PostgreSQL 15 server of this machine", function () {
        this.timeout(180_000);
        const PG_BIN = "/usr/lib/postgresql/15/bin";
        let dir: string;
        let port: number;
        const asPostgres = (cmd: string, args: string[]) => {
            // cwd: the checkout may be private (mode 700), and the postgres user could not enter it.
            const r = spawnSync("runuser", ["-u", "postgres", "--", path.join(PG_BIN, cmd), ...args], { encoding: "utf8", cwd: dir });
            const log = path.join(dir, "run", "server.log");
            assert.strictEqual(r.status, 0, `${cmd}: ${r.stdout}${r.stderr}${fs.existsSync(log) ? `\nserver.log:\n${fs.readFileSync(log, "utf8")}` : ""}`);
            return r.stdout;
        };
        const psql = (sql: string): string => asPostgres("psql", ["-X", "-At", "-h", "127.0.0.1", "-p", String(port), "-U", "agogsaas", "-d", "postgres", "-c", sql]).trim();
        const conf = (settings: Record<string, string>) => Object.entries(settings).map(([k, v]) => `${k} = '${v.replace(/'/g, "''")}'`).join("\n") + "\n";

        before(function () {
            if (process.getuid?.() !== 0 || !fs.existsSync(path.join(PG_BIN, "pg_basebackup")) || spawnSync("id", ["postgres"]).status !== 0) this.skip();
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-backup-pg-"));
            fs.chmodSync(dir, 0o755);
            port = 55000 + Math.floor(Math.random() * 5000);
            for (const sub of ["backups", "archive", "data", "run"]) fs.mkdirSync(path.join(dir, sub));
            execFileSync("chown", ["postgres:postgres", path.join(dir, "data"), path.join(dir, "run")]);
            // As the backup container is created before PostgreSQL: the archive is the server's before it starts.
            execFileSync("chown", ["postgres:postgres", path.join(dir, "archive")]);
            fs.writeFileSync(path.join(dir, "pg_hba.conf"), edgePgHba("agogsaas"), { mode: 0o444 });
            asPostgres("initdb", ["-D", path.join(dir, "data"), "-U", "agogsaas", "--auth=trust", "-E", "UTF8"]);
            fs.appendFileSync(path.join(dir, "data", "postgresql.conf"), conf({
                port: String(port), listen_addresses: "127.0.0.1", unix_socket_directories: path.join(dir, "run"), hba_file: path.join(dir, "pg_hba.conf"),
                ...walArchiveSettings(path.join(dir, "archive"), 30),
            }));
            asPostgres("pg_ctl", ["-D", path.join(dir, "data"), "-w", "-l", path.join(dir, "run", "server.log"), "start"]);
        });
        after(() => {
            if (dir === undefined) return;
            spawnSync("runuser", ["-u", "postgres", "--", path.join(PG_BIN, "pg_ctl"), "-D", path.join(dir, "data"), "-m", "immediate", "stop"], { cwd: dir });
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("takes, verifies, prunes and cleans up; the newest backup plus the archive restores every committed row", () => {
            const script = path.join(dir, "backup.sh");
            fs.writeFileSync(script, edgeBackupScript({ intervalHours: 1, keep: 1, host: "127.0.0.1", port, adminUser: "agogsaas" }));
            const env = { ...process.env, PATH: `${PG_BIN}:${process.env.PATH}`, BACKUPS: path.join(dir, "backups"), ARCHIVE: path.join(dir, "archive") };
            const round = () => {
                const r = spawnSync("sh", [script, "once"], { env, encoding: "utf8" });
                assert.strictEqual(r.status, 0, r.stdout + r.stderr);
            };
            const backups = () => fs.readdirSync(path.join(dir, "backups")).sort();

            psql("CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 1000) g");
            round();
            const [first] = backups();
            assert.deepStrictEqual(backups(), [first]);
            assert.match(first, /^[0-9]{8}T[0-9]{6}Z$/);
            for (const file of ["backup_label", "backup_manifest", "PG_VERSION"]) assert.ok(fs.existsSync(path.join(dir, "backups", first, file)), file);
            assert.strictEqual(fs.statSync(path.join(dir, "backups", first, "PG_VERSION")).uid, Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })), "owned by postgres");
            // -X none returned only once the backup's WAL was archived: its .backup history file is there.
            assert.ok(fs.readdirSync(path.join(dir, "archive")).some((f) => f.endsWith(".backup")), "backup history file archived");

            // The next one is due (the first made older than the interval); keep = 1 prunes the first.
            psql("INSERT INTO orders SELECT g FROM generate_series(1001, 2000) g");
            const old = new Date(Date.now() - 2 * 3600_000);
            fs.utimesSync(path.join(dir, "backups", first), old, old);
            round();
            const [second] = backups();
            assert.deepStrictEqual(backups(), [second]);
            assert.notStrictEqual(second, first);
            const start = /START WAL LOCATION: .* \(file ([0-9A-F]{24})\)/.exec(fs.readFileSync(path.join(dir, "backups", second, "backup_label"), "utf8"))![1];
            const segments = fs.readdirSync(path.join(dir, "archive")).filter((f) => /^[0-9A-F]{24}$/.test(f));
            assert.ok(segments.length > 0 && segments.every((f) => f.slice(8) >= start.slice(8)), `archive cleaned up to ${start}: ${segments.join(",")}`);

            // Rows after the last base backup, archived; then the server is lost.
            psql("INSERT INTO orders SELECT g FROM generate_series(2001, 2500) g");
            // The segment holding those rows (pg_walfile_name of the switch point names the one it closed).
            const closed = psql("SELECT pg_walfile_name(pg_switch_wal())");
            const archived = () => psql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
            for (let i = 0; i < 150 && archived() < closed; i++) spawnSync("sleep", ["0.2"]);
            assert.ok(archived() >= closed, `segment ${closed} archived (last: ${archived()})`);
            asPostgres("pg_ctl", ["-D", path.join(dir, "data"), "-m", "immediate", "stop"]);
            fs.rmSync(path.join(dir, "data"), { recursive: true });

            // docs/dr.md: the newest complete backup, recovery.signal, restore_command from the archive.
            const newest = newestBaseBackup(backups())!;
            execFileSync("cp", ["-a", path.join(dir, "backups", newest), path.join(dir, "data")]);
            // pg_basebackup copied the configuration too: the port and the archive settings are the server's own.
            fs.writeFileSync(path.join(dir, "data", "recovery.signal"), "");
            fs.appendFileSync(path.join(dir, "data", "postgresql.conf"), conf({
                restore_command: `cp '${path.join(dir, "archive")}/%f' '%p'`, recovery_target_timeline: "latest", recovery_target_action: "promote",
            }));
            execFileSync("chown", ["-R", "postgres:postgres", path.join(dir, "data")]);
            fs.chmodSync(path.join(dir, "data"), 0o700);
            asPostgres("pg_ctl", ["-D", path.join(dir, "data"), "-w", "-l", path.join(dir, "run", "server.log"), "start"]);
            for (let i = 0; i < 100 && psql("SELECT pg_is_in_recovery()") === "t"; i++) spawnSync("sleep", ["0.2"]);
            assert.strictEqual(psql("SELECT pg_is_in_recovery()"), "f");
            assert.strictEqual(psql("SELECT count(*) FROM orders"), "2500");
        });
    });
});
