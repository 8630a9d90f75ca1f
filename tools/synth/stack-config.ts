/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` into the config a stack program receives from the
 * Pulumi CLI (`PULUMI_CONFIG`): fully qualified keys, string values, objects and lists
 * JSON-encoded, project defaults filled in, values checked against the project's declared types.
 *
 * Encrypted (`secure:`) values cannot be decrypted without the stack's secrets provider; offline
 * they become a placeholder and their key is reported as secret, so the program still treats them
 * as secrets.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export interface LoadedStackConfig {
    project: string;
    stack: string;
    /** Fully qualified key -> string value, as `PULUMI_CONFIG`. */
    config: Record<string, string>;
    /** Keys whose value is (or contains) a `secure:` value. */
    secretKeys: string[];
}

/** A config problem found while loading (before the program runs), naming the key and the file. */
export class StackConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackConfigError";
    }
}

type Declared = { type?: string; items?: Declared; default?: unknown; value?: unknown; secret?: boolean; description?: string };

/** Stand-in for an encrypted value (offline there is no key to decrypt it). */
export function securePlaceholder(key: string): string {
    return `[secure:${key}]`;
}

function qualify(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

function readYaml(file: string): Record<string, unknown> {
    if (!fs.existsSync(file)) throw new StackConfigError(`${file}: no such file`);
    try {
        return (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
    } catch (err) {
        throw new StackConfigError(`${file}: not valid YAML: ${(err as Error).message}`);
    }
}

/** Replaces every `{ secure: ... }` in a value by a placeholder; reports whether there was one. */
function replaceSecure(key: string, value: unknown): { value: unknown; secret: boolean } {
    if (Array.isArray(value)) {
        const items = value.map((item) => replaceSecure(key, item));
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") return { value: securePlaceholder(key), secret: true };
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, inner] of Object.entries(obj)) {
            const replaced = replaceSecure(key, inner);
            out[k] = replaced.value;
            secret ||= replaced.secret;
        }
        return { value: out, secret };
    }
    return { value, secret: false };
}

/** As the CLI encodes a config value for the program: strings as is, anything else as JSON. */
function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function typeName(declared: Declared): string {
    return declared.items ? `array<${typeName(declared.items)}>` : String(declared.type);
}

/** The CLI's check of a stack value against its declared project type. */
function matchesType(declared: Declared, value: unknown): boolean {
    switch (declared.type) {
        case "string": return typeof value === "string";
        case "integer": return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^-?\d+$/.test(value));
        case "boolean": return typeof value === "boolean" || value === "true" || value === "false";
        case "array": return Array.isArray(value) && declared.items !== undefined && value.every((item) => matchesType(declared.items!, item));
        default: return true;
    }
}

/**
 * Loads the config of `stack` from `<dir>/Pulumi.yaml` and `<dir>/Pulumi.<stack>.yaml`.
 * Throws StackConfigError for a missing file, bad YAML, a value of the wrong declared type or a
 * missing value without default. Semantic checks are the program's (stacks/config.ts).
 */
export function loadStackConfigFiles(stack: string, dir = process.cwd()): LoadedStackConfig {
    const projectFile = path.join(dir, "Pulumi.yaml");
    const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
    const project = readYaml(projectFile);
    const projectName = String(project.name ?? "");
    if (!projectName) throw new StackConfigError(`${projectFile}: project has no name`);
    const stackDoc = readYaml(stackFile);

    const declared = new Map<string, Declared>();
    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();

    // Project-level config: typed declarations with defaults, or plain values for other namespaces.
    for (const [rawKey, spec] of Object.entries((project.config ?? {}) as Record<string, unknown>)) {
        const key = qualify(projectName, rawKey);
        const decl: Declared = spec !== null && typeof spec === "object" && !Array.isArray(spec) ? (spec as Declared) : { default: spec };
        declared.set(key, decl);
        const initial = decl.value ?? decl.default;
        if (initial !== undefined) config[key] = encode(initial);
    }

    const stackConfig = (stackDoc.config ?? {}) as Record<string, unknown>;
    for (const [rawKey, rawValue] of Object.entries(stackConfig)) {
        const key = qualify(projectName, rawKey);
        const { value, secret } = replaceSecure(key, rawValue);
        const decl = declared.get(key);
        if (decl?.type !== undefined && !secret && !matchesType(decl, value)) {
            throw new StackConfigError(`${stackFile}: configuration key '${key}' must be of type '${typeName(decl)}', got ${JSON.stringify(value)}`);
        }
        config[key] = encode(value);
        if (secret || decl?.secret) secretKeys.add(key);
    }

    for (const [key, decl] of declared) {
        if (decl.type !== undefined && config[key] === undefined) {
            throw new StackConfigError(`${stackFile}: stack '${stack}' is missing configuration value '${key}' (declared in Pulumi.yaml without a default)`);
        }
    }

    return { project: projectName, stack, config, secretKeys: [...secretKeys].sort() };
}

/** The stacks that have a `Pulumi.<stack>.yaml` in `dir`. */
export function listStacks(dir = process.cwd()): string[] {
    return fs.readdirSync(dir)
        .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
        .filter((name): name is string => name !== undefined)
        .sort();
}
