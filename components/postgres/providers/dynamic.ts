/**
 * Small helpers shared by the pg-based dynamic providers (database, replication role, publication,
 * subscription). Free of runtime Pulumi imports: providers serialise the code they call.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PgConnection } from "../connection";

/** Stable JSON (sorted object keys) so that equal values compare equal. */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(value, (_key, inner) => {
        if (inner !== null && typeof inner === "object" && !Array.isArray(inner)) {
            return Object.fromEntries(Object.keys(inner).sort().map((k) => [k, (inner as Record<string, unknown>)[k]]));
        }
        return inner;
    });
}

/** Where a connection points (not who logs in): a change here means "a different object". */
export function connectionLocation(conn: PgConnection | undefined): string {
    return conn === undefined ? "" : `${conn.host}:${Number(conn.port)}/${conn.database}`;
}

/**
 * Diff of two property bags by key: keys listed in `replaceKeys` force a replacement, every other
 * differing key is an in-place update. Keys in `ignoreKeys` (outputs only) are skipped. The
 * connection is compared by location only: a new password is an update, a new server a replace.
 */
export function diffProps(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    replaceKeys: readonly string[],
    ignoreKeys: readonly string[] = [],
): pulumi.dynamic.DiffResult {
    const keys = new Set([...Object.keys(olds), ...Object.keys(news)].filter((k) => !k.startsWith("__") && !ignoreKeys.includes(k)));
    const changes: string[] = [];
    const replaces: string[] = [];
    for (const key of keys) {
        const before = olds[key];
        const after = news[key];
        const isConnection = key === "connection" || key.endsWith("Connection");
        if (isConnection && connectionLocation(before as PgConnection) !== connectionLocation(after as PgConnection)) {
            changes.push(key);
            replaces.push(key);
        } else if (canonicalJson(before ?? null) !== canonicalJson(after ?? null)) {
            changes.push(key);
            if (replaceKeys.includes(key)) replaces.push(key);
        }
    }
    return { changes: changes.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 };
}
