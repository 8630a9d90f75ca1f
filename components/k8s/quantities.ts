/**
 * Checks of the values Kubernetes and cloud networks take as strings: resource quantities and
 * IPv4 CIDRs. Each throws a ValidationError naming the field.
 */
import { ValidationError } from "../shared/errors";

const CPU_QUANTITY = /^(\d+m|\d+(\.\d+)?)$/;
const MEMORY_QUANTITY = /^\d+(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

function assertQuantity(field: string, value: string, pattern: RegExp, example: string): string {
    if (typeof value !== "string" || !pattern.test(value)) {
        throw new ValidationError(field, `${JSON.stringify(value)} is not a Kubernetes quantity`, `e.g. "${example}"`);
    }
    return value;
}

/** A CPU quantity: `250m`, `1`, `1.5`. */
export function assertCpuQuantity(field: string, value: string, example = "250m"): string {
    return assertQuantity(field, value, CPU_QUANTITY, example);
}

/** A memory quantity: `256Mi`, `1Gi`, `512M`. */
export function assertMemoryQuantity(field: string, value: string, example = "256Mi"): string {
    return assertQuantity(field, value, MEMORY_QUANTITY, example);
}

/** An IPv4 CIDR such as `10.40.0.0/16` (optionally with exactly the prefix length `prefix`). */
export function assertIpv4Cidr(field: string, value: unknown, options: { prefix?: number } = {}): string {
    if (typeof value !== "string" || value.trim() === "") {
        throw new ValidationError(field, `must be a non-empty string, got ${JSON.stringify(value)}`);
    }
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    const valid = match !== null && match.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(match[5]) <= 32;
    if (!valid || (options.prefix !== undefined && Number(match![5]) !== options.prefix)) {
        throw new ValidationError(field, `must be an IPv4 CIDR${options.prefix !== undefined ? ` with prefix /${options.prefix}` : ""}, got ${JSON.stringify(value)}`, options.prefix !== undefined ? `e.g. "10.40.0.0/${options.prefix}"` : undefined);
    }
    return value;
}

const MEMORY_UNITS: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** Millicores of a CPU quantity already checked by {@link assertCpuQuantity}: `250m` → 250, `1.5` → 1500. */
export function cpuMillicores(quantity: string): number {
    return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}

/** Bytes of a memory quantity already checked by {@link assertMemoryQuantity}. */
export function memoryBytes(quantity: string): number {
    const match = /^(\d+)([A-Za-z]*)$/.exec(quantity)!;
    return Number(match[1]) * MEMORY_UNITS[match[2]];
}

/** A CPU quantity from millicores: whole cores when exact (`2`), else millicores (`2500m`). */
export function formatCpu(millicores: number): string {
    const m = Math.ceil(millicores);
    return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

/** A memory quantity from bytes, rounded up to Mi (`Gi` when exact). */
export function formatMemory(bytes: number): string {
    const mi = Math.ceil(bytes / 2 ** 20);
    return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}
