/**
 * The cloud-fallback form of the self-service server: a facility manager asks for a factory's
 * mode to change (fallback after a disaster, return once a new edge stands, back to edge). The
 * form's own fields are checked here; the resulting stack config then goes through the library's
 * own parser (`parseLocalConfig`), so a page shows the same messages `pulumi up` would.
 */
import * as fs from "fs";
import * as YAML from "yaml";
import { ValidationError, oneOf } from "../../components/shared/errors";
import { FacilityMode, assertFacilityMode } from "../../components/fallback/plan";
import { LOCAL_EDGES, LocalEdge, parseLocalConfig } from "../../stacks/local";
import type { RawConfig } from "../../stacks/config";

export const DISASTER_TYPES = ["fire", "flood", "power", "hardware", "cyber", "other"] as const;
export type DisasterType = (typeof DISASTER_TYPES)[number];

/** Which mode may follow which: fallback needs a running facility, return a fallback, edge a return. */
const NEXT_MODE: Readonly<Record<FacilityMode, FacilityMode>> = { edge: "fallback", fallback: "return", return: "edge" };

export interface FallbackRequest {
    edge: LocalEdge;
    mode: FacilityMode;
    disasterType: DisasterType;
    description: string;
    expectedDurationDays: number;
}

/** Field errors of a form, by form field name (the page shows each next to its field). */
export type FieldErrors = Record<string, string>;

const MODES_KEY = "agogsaas:localEdgeModes";

/** The mode of each edge in a stack's config (as the CLI hands it to the program). */
function modesOf(raw: RawConfig): Record<LocalEdge, FacilityMode> {
    const modes = parseLocalConfig(raw).edgeModes;
    return Object.fromEntries(LOCAL_EDGES.map((edge) => [edge, modes[edge] ?? "edge"])) as Record<LocalEdge, FacilityMode>;
}

/** The current mode of each edge in a stack's config (as the program reads it: StackConfigAccess.read). */
export function currentModes(raw: RawConfig): Record<LocalEdge, FacilityMode> {
    return modesOf(raw);
}

/** Checks the form against the stack's config; returns the request or the errors by field, changing nothing. */
export function parseFallbackForm(form: Record<string, unknown>, raw: RawConfig): { request?: FallbackRequest; errors: FieldErrors } {
    const errors: FieldErrors = {};
    const attempt = <T>(field: string, read: () => T): T | undefined => {
        try {
            return read();
        } catch (error) {
            errors[field] = error instanceof ValidationError ? error.detail : String(error);
            return undefined;
        }
    };
    const text = (field: string, min: number, max: number) => attempt(field, () => {
        const value = String(form[field] ?? "").trim();
        if (value.length < min || value.length > max) throw new ValidationError(field, `must be ${min}–${max} characters, got ${value.length}`);
        return value;
    });
    const edge = attempt("edge", () => {
        const value = String(form.edge ?? "");
        if (!(LOCAL_EDGES as readonly string[]).includes(value)) throw new ValidationError("edge", `${JSON.stringify(value)} is not a facility of this stack`, oneOf(LOCAL_EDGES));
        return value as LocalEdge;
    });
    const mode = attempt("mode", () => assertFacilityMode("mode", form.mode));
    const disasterType = attempt("disasterType", () => {
        const value = String(form.disasterType ?? "");
        if (!(DISASTER_TYPES as readonly string[]).includes(value)) throw new ValidationError("disasterType", `${JSON.stringify(value)} is not a disaster type`, oneOf(DISASTER_TYPES));
        return value as DisasterType;
    });
    const description = text("description", 10, 2000);
    const expectedDurationDays = attempt("expectedDurationDays", () => {
        const value = Number(form.expectedDurationDays);
        if (!Number.isInteger(value) || value < 1 || value > 365) throw new ValidationError("expectedDurationDays", `must be a whole number of days from 1 to 365, got ${JSON.stringify(form.expectedDurationDays ?? "")}`);
        return value;
    });
    const modes = modesOf(raw);
    if (edge !== undefined && mode !== undefined && errors.mode === undefined) {
        const current = modes[edge];
        if (NEXT_MODE[current] !== mode) {
            errors.mode = `${edge} is in mode "${current}": the next step is "${NEXT_MODE[current]}", not "${mode}"`;
        }
    }
    if (Object.keys(errors).length > 0) return { errors };
    // The library's own check of the config this request would write.
    const checked = attempt("mode", () => parseLocalConfig({ ...raw, [MODES_KEY]: JSON.stringify({ ...modes, [edge!]: mode }) }));
    if (checked === undefined) return { errors };
    return { request: { edge: edge!, mode: mode!, disasterType: disasterType!, description: description!, expectedDurationDays: expectedDurationDays! }, errors };
}

/** Writes the request's mode into the stack's config file (`raw`: its config as read; the rest of the file kept). */
export function applyToConfigFile(configFile: string, raw: RawConfig, request: FallbackRequest): void {
    const doc = YAML.parseDocument(fs.readFileSync(configFile, "utf8"));
    const modes = { ...currentModes(raw), [request.edge]: request.mode };
    doc.setIn(["config", MODES_KEY], modes);
    fs.writeFileSync(configFile, doc.toString());
}
