/**
 * Row filters of a flow: structured input ({ column, equals } or { column, in: [...] }), rendered
 * to the WHERE clause of CREATE PUBLICATION, and read back from PostgreSQL for drift checks.
 *
 * CREATE PUBLICATION cannot take bind parameters, so values are rendered by the single audited
 * literal function (`sqlLiteral`) and the column is a validated identifier. `in` is rendered as an
 * OR chain rather than `IN (...)`: PostgreSQL refuses `IN` row filters on varchar columns ("invalid
 * publication WHERE expression"), while `=` works on every type.
 *
 * PostgreSQL stores the filter in its own rewritten form (`pg_get_expr(prqual, prrelid)` gives e.g.
 * `((facility_id = 'a'::text) OR (facility_id = 'b'::text))`): comparing text would report drift on
 * every read, so {@link parseRowFilterSql} parses that form back into the structured filter and
 * comparisons use {@link normaliseRowFilter}.
 *
 * Free of Pulumi imports (used inside dynamic providers).
 */
import { ValidationError } from "../shared/errors";
import { assertSqlIdentifier, ident, sqlLiteral, SqlScalar } from "../postgres/sql";

/** Keep rows whose `column` equals one value. */
export interface RowFilterEquals {
    /** Column compared (must exist in every table of the flow). Required. */
    column: string;
    /** The value rows must have. Required. */
    equals: SqlScalar;
}

/** Keep rows whose `column` is one of several values. */
export interface RowFilterIn {
    /** Column compared (must exist in every table of the flow). Required. */
    column: string;
    /** The values rows may have (at least one). Required. */
    in: SqlScalar[];
}

export type RowFilter = RowFilterEquals | RowFilterIn;

/** Canonical form for comparison: column plus the sorted distinct values as text. */
export interface NormalisedRowFilter {
    column: string;
    values: string[];
}

function isScalar(value: unknown): value is SqlScalar {
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** The values of a filter (validated shape); throws a ValidationError naming `field`. */
export function rowFilterValues(field: string, filter: RowFilter): SqlScalar[] {
    const f = filter as unknown as Record<string, unknown>;
    const hasEquals = "equals" in f && f.equals !== undefined;
    const hasIn = "in" in f && f.in !== undefined;
    if (hasEquals === hasIn) {
        throw new ValidationError(field, "a row filter needs exactly one of `equals` or `in`", "{ column, equals: value } or { column, in: [values] }");
    }
    const values = hasEquals ? [f.equals] : f.in;
    if (!Array.isArray(values) || values.length === 0) {
        throw new ValidationError(`${field}.in`, "must be a non-empty list", "strings, integers or booleans");
    }
    values.forEach((value, i) => {
        if (!isScalar(value)) {
            throw new ValidationError(`${field}.${hasEquals ? "equals" : `in[${i}]`}`, `${JSON.stringify(value)} is not a string, integer or boolean`);
        }
        sqlLiteral(`${field}.${hasEquals ? "equals" : `in[${i}]`}`, value);
    });
    return values as SqlScalar[];
}

/** Validates shape, column identifier and values; throws a ValidationError naming `field`. */
export function assertRowFilter(field: string, filter: RowFilter): void {
    if (filter === null || typeof filter !== "object") {
        throw new ValidationError(field, "must be an object", "{ column, equals: value } or { column, in: [values] }");
    }
    assertSqlIdentifier(`${field}.column`, filter.column);
    rowFilterValues(field, filter);
}

/** The WHERE expression for CREATE/ALTER PUBLICATION, e.g. `("facility_id" = 'facility-la-001')`. */
export function renderRowFilter(field: string, filter: RowFilter): string {
    assertRowFilter(field, filter);
    const column = ident(`${field}.column`, filter.column);
    const terms = rowFilterValues(field, filter).map((value, i) => `${column} = ${sqlLiteral(`${field}.values[${i}]`, value)}`);
    return `(${terms.join(" OR ")})`;
}

/** Canonical form of a structured filter. */
export function normaliseRowFilter(filter: RowFilter | undefined | null): NormalisedRowFilter | null {
    if (filter === undefined || filter === null) return null;
    const values = rowFilterValues("rowFilter", filter).map(String);
    return { column: filter.column, values: [...new Set(values)].sort() };
}

type Token = { kind: "ident" | "literal" | "number" | "op" | "word"; text: string };

/** Tokenises pg_get_expr output, dropping parentheses and `::type` casts. */
function tokenise(sql: string): Token[] | null {
    const tokens: Token[] = [];
    let i = 0;
    while (i < sql.length) {
        const ch = sql[i];
        if (/\s/.test(ch) || ch === "(" || ch === ")") { i++; continue; }
        if (ch === "'") {
            let text = "";
            i++;
            for (;;) {
                if (i >= sql.length) return null;
                if (sql[i] === "'" && sql[i + 1] === "'") { text += "'"; i += 2; continue; }
                if (sql[i] === "'") { i++; break; }
                text += sql[i++];
            }
            tokens.push({ kind: "literal", text });
            continue;
        }
        if (sql.startsWith("::", i)) {
            // A cast: skip the type name (possibly quoted, multi-word like "character varying", or an array).
            i += 2;
            const match = /^("[^"]+"|[a-z_][a-z0-9_]*(?: varying| precision| without time zone| with time zone)?)(\[\])?/.exec(sql.slice(i));
            if (!match) return null;
            i += match[0].length;
            continue;
        }
        if (ch === '"') {
            const end = sql.indexOf('"', i + 1);
            if (end < 0) return null;
            tokens.push({ kind: "ident", text: sql.slice(i + 1, end) });
            i = end + 1;
            continue;
        }
        const number = /^-?\d+/.exec(sql.slice(i));
        if (number) { tokens.push({ kind: "number", text: number[0] }); i += number[0].length; continue; }
        const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
        if (word) {
            const upper = word[0].toUpperCase();
            const isKeyword = ["OR", "ANY", "ARRAY", "TRUE", "FALSE"].includes(upper);
            tokens.push({ kind: isKeyword ? "word" : "ident", text: isKeyword ? upper : word[0] });
            i += word[0].length;
            continue;
        }
        if ("=,[]".includes(ch)) { tokens.push({ kind: "op", text: ch }); i++; continue; }
        return null;
    }
    return tokens;
}

// Not named `valueOf`: in a dynamic provider's serialized code that name resolved to the global
// Object.prototype.valueOf, so every value parsed back was an object (found by a real `pulumi refresh`).
function tokenValue(token: Token | undefined): string | null {
    if (!token) return null;
    if (token.kind === "literal" || token.kind === "number") return token.text;
    if (token.kind === "word" && (token.text === "TRUE" || token.text === "FALSE")) return token.text.toLowerCase();
    return null;
}

/**
 * Parses a filter as PostgreSQL prints it (`pg_get_expr(prqual, prrelid)`) back into canonical
 * form. Understands `col = v`, OR chains of those on one column, and `col = ANY (ARRAY[...])` /
 * `col = ANY ('{...}'::type[])`. Anything else (a filter written by hand) returns null, which the
 * providers report as drift.
 */
export function parseRowFilterSql(sql: string | null | undefined): NormalisedRowFilter | null | "unrecognised" {
    if (sql === null || sql === undefined || sql === "") return null;
    const tokens = tokenise(sql);
    if (!tokens) return "unrecognised";
    let column: string | undefined;
    const values: string[] = [];
    let i = 0;
    while (i < tokens.length) {
        const col = tokens[i];
        if (col?.kind !== "ident" || tokens[i + 1]?.text !== "=") return "unrecognised";
        if (column !== undefined && column !== col.text) return "unrecognised";
        column = col.text;
        i += 2;
        if (tokens[i]?.text === "ANY") {
            i++;
            if (tokens[i]?.text === "ARRAY" && tokens[i + 1]?.text === "[") {
                i += 2;
                for (;;) {
                    const value = tokenValue(tokens[i]);
                    if (value === null) return "unrecognised";
                    values.push(value);
                    i++;
                    if (tokens[i]?.text === ",") { i++; continue; }
                    if (tokens[i]?.text === "]") { i++; break; }
                    return "unrecognised";
                }
            } else if (tokens[i]?.kind === "literal" && /^\{.*\}$/.test(tokens[i].text)) {
                const inner = tokens[i].text.slice(1, -1);
                // Array literal elements: plain or double-quoted with backslash escapes.
                const re = /"((?:[^"\\]|\\.)*)"|([^,]+)/g;
                let m: RegExpExecArray | null;
                while ((m = re.exec(inner)) !== null) values.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]);
                i++;
            } else {
                return "unrecognised";
            }
        } else {
            const value = tokenValue(tokens[i]);
            if (value === null) return "unrecognised";
            values.push(value);
            i++;
        }
        if (i < tokens.length) {
            if (tokens[i].text !== "OR") return "unrecognised";
            i++;
        }
    }
    if (column === undefined || values.length === 0) return "unrecognised";
    return { column, values: [...new Set(values)].sort() };
}
