/**
 * Errors raised by validation before any resource is registered. Every message names the field
 * (a config key, an args path, a flow) and what is allowed, so the user can fix it without reading
 * code. Components throw these synchronously from their constructors: Pulumi then fails the
 * program before a single resource is sent to the engine.
 */
export class ValidationError extends Error {
    /** The config key or args path at fault, for example `agogsaas:awsRegion` or `flows[2].tables`. */
    public readonly field: string;
    /** What is wrong with the field's value, without the field and the allowed values. */
    public readonly problem: string;
    /** What the field may hold, when that fits in a phrase. */
    public readonly allowed?: string;
    /** The message without the field: what is wrong and what is allowed (a form shows it next to the field). */
    public readonly detail: string;

    constructor(field: string, problem: string, allowed?: string) {
        const detail = `${problem}${allowed ? `. Allowed: ${allowed}` : ""}`;
        super(`${field}: ${detail}`);
        this.name = "ValidationError";
        this.field = field;
        this.problem = problem;
        this.allowed = allowed;
        this.detail = detail;
    }

    /** The same error (same class, problem and allowed values) under another field: how a stack names the config key an args path came from. */
    public withField(field: string): ValidationError {
        return new (this.constructor as new (field: string, problem: string, allowed?: string) => ValidationError)(field, this.problem, this.allowed);
    }
}

/** A rule of data sovereignty was broken (data would leave its zone). */
export class SovereigntyError extends ValidationError {
    constructor(field: string, problem: string, allowed?: string) {
        super(field, problem, allowed);
        this.name = "SovereigntyError";
    }
}

/** Formats a list of allowed values for an error message: `a, b or c`. */
export function oneOf(values: readonly string[]): string {
    const quoted = values.map((v) => `"${v}"`);
    if (quoted.length <= 1) return quoted.join("");
    return `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}
