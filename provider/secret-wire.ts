/**
 * Pulumi's wire form of a secret, `{ [SECRET_SIG_KEY]: SECRET_SIG, value }`: how this plugin's
 * server receives secret inputs (it accepts secrets) and returns the imported connections.
 */
type Props = Record<string, unknown>;

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** `value` in the wire form of a secret. */
export function wireSecret(value: unknown): Props {
    return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

/** A value with every secret wrapper replaced by the value it wraps. */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value === null || typeof value !== "object") return value;
    const record = value as Props;
    if (record[SECRET_SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, unwrapSecrets(inner)]));
}
