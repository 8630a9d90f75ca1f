/**
 * The only two ways a value reaches SQL text in this code base when a bind parameter is impossible
 * (DDL such as CREATE DATABASE, CREATE PUBLICATION ... WHERE, CREATE SUBSCRIPTION):
 *
 * - identifiers: {@link assertSqlIdentifier} accepts plain lower-case identifiers only and refuses
 *   everything else (we never "quote through" a strange name); {@link ident} validates and then
 *   double-quotes, so a valid name that happens to be a keyword (`order`, `user`) still works;
 * - literals: {@link sqlLiteral} is the single audited function that renders a value as a
 *   PostgreSQL literal.
 *
 * Free of Pulumi imports: dynamic providers serialise the code they call.
 */
import { ValidationError } from "../shared/errors";

/** Lower-case letter or underscore, then lower-case letters, digits, underscores; at most 63 bytes (NAMEDATALEN - 1). */
export const SQL_IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** True when `name` is a plain lower-case SQL identifier. */
export function isSqlIdentifier(name: unknown): name is string {
    return typeof name === "string" && SQL_IDENTIFIER_PATTERN.test(name);
}

/** Throws a ValidationError naming `field` unless `name` is a plain lower-case SQL identifier. */
export function assertSqlIdentifier(field: string, name: unknown): string {
    if (!isSqlIdentifier(name)) {
        throw new ValidationError(
            field,
            `${JSON.stringify(name)} is not a plain SQL identifier`,
            "lower-case letters, digits and underscores, starting with a letter or underscore, at most 63 characters",
        );
    }
    return name;
}

/** Validates `name` (see {@link assertSqlIdentifier}) and returns it double-quoted for SQL text. */
export function ident(field: string, name: unknown): string {
    return `"${assertSqlIdentifier(field, name)}"`;
}

/** A value a row filter or a conninfo may carry. */
export type SqlScalar = string | number | boolean;

/**
 * Renders `value` as a PostgreSQL literal. The single audited function for literals:
 * - strings: single quotes doubled, wrapped in '...'. With `standard_conforming_strings = on`
 *   (the default since 9.1, and checked by `assertStandardStrings` in ./connection before rendering) backslashes are plain
 *   characters, so doubling quotes is the complete escape. NUL and other control characters are
 *   refused: they have no business in an identifier-like filter value;
 * - numbers: finite integers only (a float's text form is locale- and precision-dependent);
 * - booleans: true/false.
 */
export function sqlLiteral(field: string, value: unknown): string {
    if (typeof value === "string") {
        if (/[\u0000-\u001f\u007f]/.test(value)) {
            throw new ValidationError(field, `${JSON.stringify(value)} contains control characters`, "printable text");
        }
        return `'${value.replace(/'/g, "''")}'`;
    }
    if (typeof value === "number") {
        if (!Number.isSafeInteger(value)) {
            throw new ValidationError(field, `${value} is not a safe integer`, "strings, integers or booleans");
        }
        return String(value);
    }
    if (typeof value === "boolean") return value ? "true" : "false";
    throw new ValidationError(field, `${JSON.stringify(value)} cannot be rendered as a SQL literal`, "strings, integers or booleans");
}

/**
 * Quotes a value for a libpq connection string (`key='value'`): backslash and single quote are
 * escaped with a backslash, as libpq's conninfo parser expects.
 */
export function conninfoValue(value: string | number): string {
    return `'${String(value).replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
