/**
 * The `local` stack (stacks/local.ts) driven through the real engine: its config file, the
 * environment its runs need (passphrase, the servers' password) and the few commands the demo,
 * the engine tests and the benchmark run. Each LocalStack has its own state folder, so tests and
 * the demo never share a backend.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { LOCAL_PASSWORD_ENV, LocalConfig, parseLocalConfig } from "../../stacks/local";
import { PROJECT, RawConfig } from "../../stacks/config";
import { LEGACY_DYNAMIC_TYPE, isPgResourceType } from "../../components/postgres/providers/resource-types";
import { CHECKOUT, EngineRun, LOCAL_PASSPHRASE, RunOptions, ensureStack, pulumi, pulumiOk } from "./cli";

export const LOCAL_STACK = "local";
export const LOCAL_CONFIG_FILE = path.join(CHECKOUT, `Pulumi.${LOCAL_STACK}.yaml`);

interface StackFile {
    config?: Record<string, unknown>;
    [key: string]: unknown;
}

function readStackFile(file: string): StackFile {
    return (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as StackFile;
}

/** A stack file's config as the CLI hands it to the program (objects and lists as JSON). */
export function rawConfigOf(file: string): RawConfig {
    const config = readStackFile(file).config ?? {};
    return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
}

/** The validated config of a local stack file (ports of the servers, extra flows). */
export function localConfigOf(file = LOCAL_CONFIG_FILE): LocalConfig {
    return parseLocalConfig(rawConfigOf(file), PROJECT);
}

/**
 * Writes a copy of a stack file with some config keys replaced (or removed when undefined), for
 * runs with `--config-file`: other ports, an extra flow. Keeps the encryption salt.
 */
export function writeStackFileVariant(target: string, changes: Record<string, unknown>, source = LOCAL_CONFIG_FILE): string {
    const file = readStackFile(source);
    const config = { ...(file.config ?? {}) };
    for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) delete config[key];
        else config[key] = value;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, YAML.stringify({ ...file, config }));
    return target;
}

export interface LocalStackOptions {
    /** State folder of this stack's backend. Required. */
    stateDir: string;
    /** The servers' superuser password (AGOGSAAS_LOCAL_PG_PASSWORD). Required. */
    password: string;
    /** Stack config file; default Pulumi.local.yaml. */
    configFile?: string;
    /** Stack name; default `local`. */
    stack?: string;
    /** The project's folder and name; default this checkout's program (`agogsaas`). */
    project?: { dir: string; name: string };
}

export class LocalStack {
    readonly stack: string;
    constructor(private readonly options: LocalStackOptions) {
        this.stack = options.stack ?? LOCAL_STACK;
    }

    private runOptions(extra: RunOptions = {}): RunOptions {
        return {
            stateDir: this.options.stateDir,
            passphrase: LOCAL_PASSPHRASE,
            ...(this.options.project ? { cwd: this.options.project.dir } : {}),
            ...extra,
            env: { [LOCAL_PASSWORD_ENV]: this.options.password, ...extra.env },
        };
    }

    /** Arguments every stack command gets: the stack, its config file. */
    private stackArgs(configFile = this.options.configFile): string[] {
        return ["--stack", this.stack, ...(configFile ? ["--config-file", configFile] : [])];
    }

    /** Creates the stack on its backend when it is not there yet. */
    init(): Promise<void> {
        return ensureStack(this.stack, this.runOptions(), this.options.configFile);
    }

    /** `pulumi <command> --stack … [args]`, any exit code. */
    run(command: string[], args: string[] = [], extra: RunOptions & { configFile?: string } = {}): Promise<EngineRun> {
        return pulumi([...command, ...this.stackArgs(extra.configFile), ...args], this.runOptions(extra));
    }

    /** Like {@link run}, throwing with the engine's output on a non-zero exit. */
    runOk(command: string[], args: string[] = [], extra: RunOptions & { configFile?: string } = {}): Promise<EngineRun> {
        return pulumiOk([...command, ...this.stackArgs(extra.configFile), ...args], this.runOptions(extra));
    }

    up(args: string[] = [], extra: RunOptions & { configFile?: string } = {}): Promise<EngineRun> {
        return this.runOk(["up"], ["--yes", "--skip-preview", "--non-interactive", ...args], extra);
    }

    preview(args: string[] = [], extra: RunOptions & { configFile?: string } = {}): Promise<EngineRun> {
        return this.runOk(["preview"], ["--non-interactive", ...args], extra);
    }

    refresh(args: string[] = [], extra: RunOptions = {}): Promise<EngineRun> {
        return this.runOk(["refresh"], ["--yes", "--skip-preview", "--non-interactive", ...args], extra);
    }

    destroy(args: string[] = [], extra: RunOptions = {}): Promise<EngineRun> {
        return this.runOk(["destroy"], ["--yes", "--skip-preview", "--non-interactive", ...args], extra);
    }

    /** `pulumi cancel`: removes the lock an engine that died mid-update left behind. */
    cancel(): Promise<EngineRun> {
        return pulumiOk(["cancel", "--stack", this.stack, "--yes"], this.runOptions());
    }

    /** The stack's outputs (secrets shown: the caller keeps them in memory). */
    async outputs(): Promise<Record<string, unknown>> {
        // `stack output` takes no --config-file: the outputs are the last update's, whatever its config.
        const run = await pulumiOk(["stack", "output", "--stack", this.stack, "--json", "--show-secrets"], this.runOptions());
        return JSON.parse(run.stdout) as Record<string, unknown>;
    }

    /** The checkpoint (`pulumi stack export`), secrets encrypted as in the state file. */
    async exportState(): Promise<{ deployment: { resources?: StateResource[] } }> {
        const run = await pulumiOk(["stack", "export", "--stack", this.stack], this.runOptions());
        return JSON.parse(run.stdout) as { deployment: { resources?: StateResource[] } };
    }

    /** URNs of the resources in state, sorted. */
    async urns(): Promise<string[]> {
        return ((await this.exportState()).deployment.resources ?? []).map((r) => r.urn).sort();
    }

    /** Path of the stack's checkpoint file on the file backend. */
    stateFile(): string {
        return path.join(this.options.stateDir, "backend", ".pulumi", "stacks", this.options.project?.name ?? PROJECT, `${this.stack}.json`);
    }
}

/**
 * Size of a checkpoint: in total and per PostgreSQL resource (the plugin's `agogsaas:*` types, or
 * the dynamic resources of 0.1.x), with the share of serialised provider code (0.1.x only).
 */
export function stateFigures(stateFile: string) {
    const text = fs.readFileSync(stateFile, "utf8");
    const resources = (JSON.parse(text) as { checkpoint: { latest: { resources?: StateResource[] } } }).checkpoint.latest.resources ?? [];
    const pg = resources.filter((r) => isPgResourceType(r.type) || r.type === LEGACY_DYNAMIC_TYPE).map((r) => ({ type: r.type, bytes: JSON.stringify(r).length, providerCode: String(r.outputs?.__provider ?? "").length }));
    const sizes = pg.map((r) => r.bytes);
    const average = (xs: number[]) => xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
    return {
        totalBytes: Buffer.byteLength(text),
        resources: resources.length,
        pgResources: pg.length,
        bytesPerPgResource: average(sizes),
        maxBytesPerPgResource: Math.max(0, ...sizes),
        providerCodeBytes: average(pg.map((r) => r.providerCode)),
        /** Per type: how many, bytes on average and at most. */
        byType: Object.fromEntries([...new Set(pg.map((r) => r.type))].sort().map((type) => {
            const ofType = pg.filter((r) => r.type === type).map((r) => r.bytes);
            return [type, { count: ofType.length, averageBytes: average(ofType), maxBytes: Math.max(...ofType) }];
        })),
    };
}

export interface StateResource {
    urn: string;
    type: string;
    id?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    pendingReplacement?: boolean;
}
