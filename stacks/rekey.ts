/**
 * Components name their args paths in errors (`database.storageGb`); a stack user needs the config
 * key (`agogsaas:databaseStorageGb`). The stack validates every component's args at plan time and
 * re-raises component errors under the config key they came from.
 */
import { ValidationError } from "@agogsaas/pulumi";

/** Component args path prefix -> config key (or config path) it was built from. */
export type FieldMap = Readonly<Record<string, string>>;

function mapField(field: string, map: FieldMap, fallbackPrefix: string): string {
    // Longest matching prefix wins: `database.storageGb` before `database`.
    const prefix = Object.keys(map)
        .filter((p) => field === p || field.startsWith(`${p}.`) || field.startsWith(`${p}[`))
        .sort((a, b) => b.length - a.length)[0];
    if (prefix === undefined) return `${fallbackPrefix}${field}`;
    return `${map[prefix]}${field.slice(prefix.length)}`;
}

/** The same error (same class, problem and allowed values) under the mapped field. */
export function rekeyError(err: ValidationError, map: FieldMap, fallbackPrefix: string): ValidationError {
    return err.withField(mapField(err.field, map, fallbackPrefix));
}

/** Runs `validate`; a ValidationError it throws comes out under the config key it maps to. */
export function withConfigKeys<T>(map: FieldMap, fallbackPrefix: string, validate: () => T): T {
    try {
        return validate();
    } catch (err) {
        if (err instanceof ValidationError) throw rekeyError(err, map, fallbackPrefix);
        throw err;
    }
}
