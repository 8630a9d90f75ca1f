/**
 * Running the real Pulumi engine built by tools/engine/install.sh, on a local file backend.
 *
 * Every run gets the same environment (see {@link engineEnv}): the engine's bin directory first on
 * PATH (CLI, language host, shims), PULUMI_HOME and the file backend under a project-owned state
 * folder (default `<checkout>/.state/pulumi`, git-ignored), no plugin download, no update check.
 * PULUMI_CONFIG_PASSPHRASE is set only when the caller passes a passphrase: the local stacks use
 * {@link LOCAL_PASSPHRASE}, cloud stacks keep whatever secrets provider they were created with.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const CHECKOUT = path.resolve(__dirname, "..", "..");
/** The passphrase of the local stacks' secrets (local only: they hold throwaway credentials). */
export const LOCAL_PASSPHRASE = "agogsaas-local-only";
/** Default state folder: the file backend and PULUMI_HOME. */
export const DEFAULT_STATE_DIR = path.join(CHECKOUT, ".state", "pulumi");

/** The @pulumi/pulumi version of the lockfile, which the engine is built at. */
export function engineVersion(): string {
    const lock = JSON.parse(fs.readFileSync(path.join(CHECKOUT, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
    return lock.packages["node_modules/@pulumi/pulumi"].version;
}

/** Where install.sh puts the binaries (same rule as the script). */
export function engineBinDir(env: NodeJS.ProcessEnv = process.env): string {
    const cache = env.AGOGSAAS_ENGINE_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "agogsaas-pulumi-engine");
    return path.join(cache, `v${engineVersion()}`, "bin");
}

/** Runs install.sh (a no-op when the cache is complete), streaming its progress; returns the bin directory. */
export function installEngine(onLine: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): string {
    const result = spawnSync("bash", [path.join(CHECKOUT, "tools", "engine", "install.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const lines = result.stdout.trim().split("\n");
    lines.slice(0, -1).forEach(onLine);
    if (result.status !== 0) throw new Error(`tools/engine/install.sh failed (exit ${result.status}): ${lines.join("\n")}`);
    return lines[lines.length - 1];
}

export interface EngineOptions {
    /** State folder (file backend + PULUMI_HOME); default {@link DEFAULT_STATE_DIR}. */
    stateDir?: string;
    /** PULUMI_CONFIG_PASSPHRASE for this run; default none (left as the environment has it). */
    passphrase?: string;
    /** Extra environment variables. */
    env?: NodeJS.ProcessEnv;
    /** Working directory (the project); default the checkout. */
    cwd?: string;
}

/** The environment a Pulumi CLI run gets (see the file comment). */
export function engineEnv(options: EngineOptions = {}): NodeJS.ProcessEnv {
    const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
    fs.mkdirSync(path.join(stateDir, "backend"), { recursive: true });
    fs.mkdirSync(path.join(stateDir, "home"), { recursive: true });
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        // This checkout's bin/ too: programs outside the checkout (the engine tests' temporary projects)
        // find the package's provider plugin there; the checkout's Pulumi.yaml names it itself.
        PATH: [engineBinDir(), path.join(CHECKOUT, "bin"), process.env.PATH ?? ""].join(path.delimiter),
        PULUMI_HOME: path.join(stateDir, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(stateDir, "backend")}`,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
        // The program's own stack traces stay bounded (mocha's Infinity would slow the SDK).
        NODE_OPTIONS: [process.env.NODE_OPTIONS ?? "", "--stack-trace-limit=10"].join(" ").trim(),
        ...options.env,
    };
    if (options.passphrase !== undefined) env.PULUMI_CONFIG_PASSPHRASE = options.passphrase;
    return env;
}

export interface EngineRun {
    code: number;
    stdout: string;
    stderr: string;
    /** Wall time of the run in ms. */
    ms: number;
}

export interface RunOptions extends EngineOptions {
    /** Receives output as it comes (e.g. the engine's progress for the README's main job). */
    onOutput?: (chunk: string, stream: "stdout" | "stderr") => void;
    /** Called with the child's pid once started (the crash test kills it). */
    onSpawn?: (pid: number) => void;
    /** Start the CLI in a session and process group of its own (pid = session id = group id; the plugins it starts share the session); default false. */
    processGroup?: boolean;
    /** Written to the CLI's standard input (e.g. a secret for `config set`, kept off the command line); default none. */
    input?: string;
}

/**
 * The processes of session `sid` (a CLI started with `processGroup`: its language host and plugins
 * each run in a process group of their own, but all in its session), with their `/proc` stat
 * fields after the command name.
 */
export function sessionProcesses(sid: number): { pid: number; stat: string[] }[] {
    const found: { pid: number; stat: string[] }[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            if (Number(fields[3]) === sid) found.push({ pid: Number(entry), stat: fields }); // fields[3]: session
        } catch { /* exited meanwhile */ }
    }
    return found;
}

/** SIGKILL to every process of session `sid`: the CLI, its language host, program and plugins. */
export function killSession(sid: number): number {
    const processes = sessionProcesses(sid);
    for (const { pid } of processes) {
        try { process.kill(pid, "SIGKILL"); } catch { /* gone already */ }
    }
    return processes.length;
}

/** Runs `pulumi <args>` and resolves with its exit code and output (never rejects on a non-zero exit). */
export function pulumi(args: string[], options: RunOptions = {}): Promise<EngineRun> {
    const started = Date.now();
    const bin = path.join(engineBinDir(), "pulumi");
    if (!fs.existsSync(bin)) {
        return Promise.reject(new Error(`the Pulumi engine is not built: run bash tools/engine/install.sh (expected ${bin})`));
    }
    return new Promise((resolve, reject) => {
        const child = spawn(bin, args, { cwd: options.cwd ?? CHECKOUT, env: engineEnv(options), stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"], detached: options.processGroup === true });
        if (options.input !== undefined) child.stdin!.end(options.input);
        if (child.pid !== undefined) options.onSpawn?.(child.pid);
        let stdout = "";
        let stderr = "";
        child.stdout!.setEncoding("utf8").on("data", (chunk: string) => { stdout += chunk; options.onOutput?.(chunk, "stdout"); });
        child.stderr!.setEncoding("utf8").on("data", (chunk: string) => { stderr += chunk; options.onOutput?.(chunk, "stderr"); });
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, ms: Date.now() - started }));
    });
}

/** Like {@link pulumi} but throws with the engine's output when the exit code is not 0. */
export async function pulumiOk(args: string[], options: RunOptions = {}): Promise<EngineRun> {
    const run = await pulumi(args, options);
    if (run.code !== 0) {
        throw new Error(`pulumi ${args.join(" ")} exited ${run.code}:\n${tail(run.stdout)}\n${tail(run.stderr)}`);
    }
    return run;
}

function tail(text: string, lines = 40): string {
    return text.trim().split("\n").slice(-lines).join("\n");
}

/** Makes sure `stack` exists on the backend (creates it with the passphrase provider when it does not). */
export async function ensureStack(stack: string, options: EngineOptions = {}, configFile?: string): Promise<void> {
    const selected = await pulumi(["stack", "select", stack], options);
    if (selected.code === 0) return;
    // `stack init` writes the passphrase's salt into the project's Pulumi.<stack>.yaml (rewriting a
    // shipped one). A stack run with a config file of its own (which carries a salt) must leave the
    // project as it was.
    const projectFile = path.join(options.cwd ?? CHECKOUT, `Pulumi.${stack}.yaml`);
    const before = configFile !== undefined && fs.existsSync(projectFile) ? fs.readFileSync(projectFile) : undefined;
    try {
        await pulumiOk(["stack", "init", stack, "--secrets-provider", "passphrase"], options);
    } finally {
        if (before !== undefined) fs.writeFileSync(projectFile, before);
        else if (configFile !== undefined) fs.rmSync(projectFile, { force: true });
    }
}
