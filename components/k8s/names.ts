/**
 * Kubernetes naming rules, checked at program time so a bad name fails with the field named
 * instead of as an API server error halfway through an update.
 */
import { ValidationError } from "../shared/errors";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws a ValidationError naming `field` unless `value` is a DNS-1123 label of at most `maxLength` characters. */
export function assertDns1123Label(field: string, value: unknown, maxLength = 63): string {
    if (typeof value !== "string" || value.length === 0 || value.length > maxLength || !DNS1123_LABEL.test(value)) {
        throw new ValidationError(
            field,
            `${JSON.stringify(value)} is not a DNS-1123 label of at most ${maxLength} characters`,
            "lower-case letters, digits and '-', starting and ending with a letter or digit",
        );
    }
    return value;
}

/** Throws a ValidationError naming `field` unless `value` is a DNS-1123 subdomain (host names, Secret names). */
export function assertDns1123Subdomain(field: string, value: unknown, maxLength = 253): string {
    if (typeof value !== "string" || value.length === 0 || value.length > maxLength || !DNS1123_SUBDOMAIN.test(value)) {
        throw new ValidationError(field, `${JSON.stringify(value)} is not a DNS-1123 subdomain`, "lower-case labels separated by '.'");
    }
    return value;
}

/** A list of namespace names (DNS-1123 labels), each checked under `field[i]`. */
export function assertNamespaceList(field: string, value: unknown): string[] {
    if (!Array.isArray(value)) throw new ValidationError(field, `must be a list of namespace names, got ${JSON.stringify(value)}`);
    return value.map((ns, i) => assertDns1123Label(`${field}[${i}]`, ns));
}
