/**
 * Small typed readers for structured config: each checks one value and, when it is wrong, throws
 * a ValidationError naming the config path it read (`agogsaas:facilities[1].size`).
 */
import { ValidationError } from "@agogsaas/pulumi";
import { oneOf } from "../components/shared/errors";
import { assertPinnedImage } from "../components/shared/image-ref";
import { dockerHostName } from "../components/edge-site/args";

/**
 * Tenant ids and peer stack names: a lowercase DNS label (RFC 1035: starts with a letter, letters,
 * digits and hyphens, ends with a letter or digit), at most 40 characters so the names derived
 * from it (Kubernetes objects, replication slots, row filters) stay within 63.
 */
export const IDENTIFIER_PATTERN = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;
const IDENTIFIER_ALLOWED = "a lowercase DNS label of at most 40 characters: a-z, 0-9 and '-', starting with a letter and not ending with '-' (e.g. \"tenant-foo-inc\")";
/** A container image tag (Docker's grammar). */
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    return JSON.stringify(value);
}

export function readString(path: string, value: unknown): string {
    if (typeof value !== "string" || value.trim() === "") {
        throw new ValidationError(path, `expected a non-empty string, got ${describe(value)}`);
    }
    return value.trim();
}

export function readChoice<T extends string>(path: string, value: unknown, allowed: readonly T[]): T {
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
        throw new ValidationError(path, `unknown value ${describe(value)}`, oneOf(allowed));
    }
    return value as T;
}

export function readInteger(path: string, value: unknown, min: number, max: number): number {
    const parsed = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof parsed !== "number" || !Number.isInteger(parsed) || parsed < min || parsed > max) {
        throw new ValidationError(path, `expected an integer from ${min} to ${max}, got ${describe(value)}`);
    }
    return parsed;
}

export function readBoolean(path: string, value: unknown): boolean {
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    throw new ValidationError(path, `expected true or false, got ${describe(value)}`);
}

export function readObject(path: string, value: unknown, fields: readonly string[]): Record<string, unknown> {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new ValidationError(path, `expected an object with ${oneOf(fields).replace(" or ", " and ")}, got ${describe(value)}`);
    }
    const unknown = Object.keys(value).filter((key) => !fields.includes(key));
    if (unknown.length > 0) {
        throw new ValidationError(`${path}.${unknown[0]}`, "unknown field", oneOf(fields));
    }
    return value as Record<string, unknown>;
}

export function readArray(path: string, value: unknown): unknown[] {
    if (!Array.isArray(value)) throw new ValidationError(path, `expected a list, got ${describe(value)}`);
    return value;
}

export function readIdentifier(path: string, value: unknown): string {
    const id = readString(path, value);
    if (!IDENTIFIER_PATTERN.test(id)) {
        throw new ValidationError(path, `${describe(id)} is not a valid identifier`, IDENTIFIER_ALLOWED);
    }
    return id;
}

export function assertUnique(path: string, ids: readonly string[]): void {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
        if (seen.has(id)) throw new ValidationError(`${path}[${i}].id`, `duplicate id ${describe(id)}`, "each id once");
        seen.add(id);
    });
}

/** The edge computer's Docker daemon; EdgeSite's own rule (ssh://user@host[:port] or tcp://host:port). */
export function readDockerHost(path: string, value: unknown): string {
    dockerHostName(path, value);
    return value as string;
}

export function readImage(path: string, value: unknown, production: boolean): string {
    assertPinnedImage(path, value, production);
    return value as string;
}

export function readVersion(path: string, value: unknown, production: boolean): string {
    const version = readString(path, value);
    if (!TAG_PATTERN.test(version)) {
        throw new ValidationError(path, `${describe(version)} is not a valid image tag`, 'letters, digits, "_", "." and "-", e.g. "1.5.0"');
    }
    if (production && version === "latest") {
        throw new ValidationError(path, '"latest" is not a pinned version, which a production stack refuses', 'a release tag such as "1.5.0"');
    }
    return version;
}
