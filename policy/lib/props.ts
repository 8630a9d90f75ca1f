/**
 * Reading resource properties as the engine hands them to policies: plain JSON, where a value
 * unknown during preview throws `UnknownValueError` on access (the SDK's proxy). Unknown is never
 * a violation: resource policies let the error reach the engine (which reports "can't run during
 * preview" as advisory), stack policies use {@link whenKnown} so one unknown value does not skip
 * the check of every other resource.
 */

export type Props = Record<string, any>;

/**
 * The policy SDK's preview-unknown machinery. It is marked internal (absent from the typings),
 * but it is what the engine's analyzer server wraps every property bag in, so it is typed here.
 */
interface PolicyProxyModule {
    UnknownValueError: new (sentinel: string, props: string[]) => Error;
    unknownCheckingProxy<T>(value: T): T;
    getSpecialProxyTarget: string;
    unknownBooleanValue: string;
    unknownNumberValue: string;
    unknownStringValue: string;
    unknownArrayValue: string;
    unknownAssetValue: string;
    unknownArchiveValue: string;
    unknownObjectValue: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const policyProxy = require("@pulumi/policy/proxy") as PolicyProxyModule;

const UNKNOWN_SENTINELS = new Set<unknown>([
    policyProxy.unknownBooleanValue, policyProxy.unknownNumberValue, policyProxy.unknownStringValue,
    policyProxy.unknownArrayValue, policyProxy.unknownAssetValue, policyProxy.unknownArchiveValue,
    policyProxy.unknownObjectValue,
]);

/** Stands for a value unknown during preview in the output of {@link knownView}. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");

/**
 * A plain deep copy of a property bag in which values unknown during preview are {@link UNKNOWN}
 * instead of throwing on access: for checks that walk a whole structure, where one unknown
 * connection host must not hide the (known) table list next to it.
 */
export function knownView(value: unknown): any {
    const target = value !== null && typeof value === "object" ? ((value as any)[policyProxy.getSpecialProxyTarget] ?? value) : value;
    if (UNKNOWN_SENTINELS.has(target)) return UNKNOWN;
    if (Array.isArray(target)) return target.map(knownView);
    if (target !== null && typeof target === "object" && Object.getPrototypeOf(target) === Object.prototype) {
        return Object.fromEntries(Object.entries(target).map(([k, v]) => [k, knownView(v)]));
    }
    return target;
}

/** Runs `check`; an unknown-during-preview value makes it return `fallback` instead of failing. */
export function whenKnown<T>(check: () => T, fallback: T): T {
    try {
        return check();
    } catch (err) {
        if (err instanceof policyProxy.UnknownValueError) return fallback;
        throw err;
    }
}

export function isRecord(value: unknown): value is Record<string, any> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function asArray(value: unknown): any[] {
    return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

/** The package of a type token: `aws` for `aws:s3/bucket:Bucket`, `aws` for `pulumi:providers:aws`. */
export function packageOf(type: string): string {
    const providerMatch = /^pulumi:providers:(.+)$/.exec(type);
    return providerMatch ? providerMatch[1] : type.split(":")[0];
}

/** The region inside an ARN (`arn:aws:rds:eu-central-1:123:db:x`), if it has one. */
export function regionOfArn(arn: unknown): string | undefined {
    if (typeof arn !== "string") return undefined;
    const parts = arn.split(":");
    return parts.length >= 6 && parts[0] === "arn" && parts[3] !== "" ? parts[3] : undefined;
}

/** Secret-looking names: passwords, tokens, keys, credentials. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
/** Names that point at a secret rather than hold one (`POSTGRES_PASSWORD_FILE`, `..._SECRET_NAME`). */
const SECRET_REFERENCE = /(_FILE|_PATH|_NAME|_REF|_ARN|_ID)$/i;

export function looksLikeSecretName(name: string): boolean {
    return SECRET_NAME.test(name) && !SECRET_REFERENCE.test(name);
}

/** A URL with an embedded password (`postgres://user:pw@host/db`) is a secret whatever its name. */
export function hasEmbeddedCredentials(value: string): boolean {
    return /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i.test(value);
}

/**
 * The marker the offline synth puts where a secret input was (see tools/synth/mock-runtime.ts).
 * The real engine hands policies the plaintext instead, so the name-based checks are what count
 * there; offline this also catches a secret landing under an innocent name.
 */
export const REDACTED_SECRET = "[secret]";
