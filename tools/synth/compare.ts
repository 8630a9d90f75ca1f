/**
 * Preview diff between two synth results (base revision vs. this one), rendered as Markdown fit
 * for a pull-request comment: a summary that is never trimmed, then one collapsed `<details>`
 * block per change kind listing resources and their changed input keys. Only keys and short
 * non-secret scalar values are printed; secret inputs are "[secret]" in the synth already, and
 * stack outputs are listed by name only, never by value.
 *
 * Resources are matched by URN, and through `aliases` (a renamed or moved resource with an alias
 * is a change, not a delete + create). A URN change without alias is reported as a replacement,
 * as are changes of the provider or of inputs that usually force one (name, region, location...).
 */
import type { SynthResource, SynthResult } from "./mock-runtime";

/** GitHub rejects comments above 65,536 characters; leave room for a header added by CI. */
export const GITHUB_COMMENT_LIMIT = 65_536;
export const DEFAULT_MAX_CHARS = 60_000;

/** Input keys whose change usually makes the provider replace the resource. */
const LIKELY_REPLACE_KEYS = new Set([
    "name", "metadata.name", "metadata.namespace", "location", "region", "resourceGroupName", "engine", "identifier",
    "availabilityZone", "bucket", "serverName", "vpcId", "cidrBlock", "resourceName", "clusterName",
]);

const MAX_PATH_DEPTH = 4;
const MAX_VALUE_CHARS = 60;

export type ChangeKind = "add" | "delete" | "update" | "replace";

export interface ResourceChange {
    kind: ChangeKind;
    urn: string;
    type: string;
    name: string;
    /** Changed input paths (update/replace). */
    changedKeys: string[];
    /** Short "old → new" renderings of changed scalar inputs that are not secret. */
    changedValues: Record<string, string>;
    /** Why a replacement is expected (replace only). */
    replaceReason?: string;
    /** The base URN when matched through an alias or re-created under a new URN. */
    previousUrn?: string;
}

export interface OutputChanges {
    added: string[];
    removed: string[];
    changed: string[];
}

export interface SynthDiff {
    baseStack: string;
    headStack: string;
    changes: ResourceChange[];
    unchanged: number;
    outputs: OutputChanges;
}

function canonical(value: unknown): string {
    return JSON.stringify(value, (_k, v) =>
        v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v);
}

/** Changed paths between two values, down to a few levels (deeper changes report their parent). */
function changedPaths(before: unknown, after: unknown, path: string, depth: number, out: string[]): void {
    if (canonical(before) === canonical(after)) return;
    const bothObjects = before !== null && after !== null && typeof before === "object" && typeof after === "object" && Array.isArray(before) === Array.isArray(after);
    if (!bothObjects || depth >= MAX_PATH_DEPTH) {
        out.push(path);
        return;
    }
    const b = before as Record<string, unknown>;
    const a = after as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
    for (const key of keys) {
        const child = Array.isArray(after) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
        changedPaths(b[key], a[key], child, depth + 1, out);
    }
}

function valueAt(inputs: Record<string, unknown>, path: string): unknown {
    let value: unknown = inputs;
    for (const part of path.replace(/\[(\d+)\]/g, ".$1").split(".")) {
        value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
    }
    return value;
}

function isSecretPath(resource: SynthResource, path: string): boolean {
    return (resource.secretPaths ?? []).some((secret) => path === secret || path.startsWith(`${secret}.`) || path.startsWith(`${secret}[`)
        || secret.startsWith(`${path}.`) || secret.startsWith(`${path}[`));
}

function shortValue(value: unknown): string | undefined {
    if (value === undefined) return "(unset)";
    if (value !== null && typeof value === "object") return undefined;
    const text = JSON.stringify(value);
    return text.length <= MAX_VALUE_CHARS ? text : undefined;
}

function aliasUrns(resource: SynthResource): string[] {
    return (resource.aliases ?? [])
        .map((a) => (typeof a === "string" ? a : a !== null && typeof a === "object" ? (a as { urn?: unknown }).urn : undefined))
        .filter((urn): urn is string => typeof urn === "string" && urn !== "");
}

function compareResources(before: SynthResource, after: SynthResource): ResourceChange | undefined {
    const changedKeys: string[] = [];
    changedPaths(before.inputs, after.inputs, "", 0, changedKeys);
    const providerChanged = (before.provider ?? "") !== (after.provider ?? "");
    const moved = before.urn !== after.urn;
    if (changedKeys.length === 0 && !providerChanged && !moved) return undefined;
    const changedValues: Record<string, string> = {};
    for (const key of changedKeys) {
        if (isSecretPath(before, key) || isSecretPath(after, key)) continue;
        const from = shortValue(valueAt(before.inputs, key));
        const to = shortValue(valueAt(after.inputs, key));
        if (from !== undefined && to !== undefined) changedValues[key] = `${from} → ${to}`;
    }
    const replaceKey = changedKeys.find((key) => LIKELY_REPLACE_KEYS.has(key));
    const replaceReason = providerChanged ? "provider changed" : replaceKey !== undefined ? `\`${replaceKey}\` changed` : undefined;
    return {
        kind: replaceReason ? "replace" : "update",
        urn: after.urn, type: after.type, name: after.name,
        changedKeys: [...changedKeys, ...(providerChanged ? ["(provider)"] : [])],
        changedValues,
        ...(replaceReason ? { replaceReason } : {}),
        ...(moved ? { previousUrn: before.urn } : {}),
    };
}

function compareOutputs(base: SynthResult, head: SynthResult): OutputChanges {
    const b = base.outputs ?? {};
    const h = head.outputs ?? {};
    return {
        added: Object.keys(h).filter((k) => !(k in b)).sort(),
        removed: Object.keys(b).filter((k) => !(k in h)).sort(),
        changed: Object.keys(h).filter((k) => k in b && canonical(b[k]) !== canonical(h[k])).sort(),
    };
}

/** What applying `head` over a stack deployed from `base` would do, resource by resource. */
export function diffSynth(base: SynthResult, head: SynthResult): SynthDiff {
    const baseByUrn = new Map(base.resources.map((r) => [r.urn, r]));
    const matched = new Set<string>();
    const changes: ResourceChange[] = [];
    let unchanged = 0;
    const added: SynthResource[] = [];
    for (const after of head.resources) {
        const before = baseByUrn.get(after.urn) ?? aliasUrns(after).map((u) => baseByUrn.get(u)).find((r) => r !== undefined);
        if (before === undefined || matched.has(before.urn)) {
            added.push(after);
            continue;
        }
        matched.add(before.urn);
        const change = compareResources(before, after);
        if (change) changes.push(change);
        else unchanged++;
    }
    const removed = base.resources.filter((r) => !matched.has(r.urn));
    // Same type and name under a new URN (moved without an alias): the engine deletes and re-creates it.
    for (const after of added) {
        const twin = removed.findIndex((r) => r.type === after.type && r.name === after.name);
        if (twin >= 0 && after.custom) {
            const before = removed.splice(twin, 1)[0];
            changes.push({
                kind: "replace", urn: after.urn, type: after.type, name: after.name, changedKeys: [], changedValues: {},
                replaceReason: "URN changed without an alias (delete and re-create)", previousUrn: before.urn,
            });
        } else {
            changes.push({ kind: "add", urn: after.urn, type: after.type, name: after.name, changedKeys: [], changedValues: {} });
        }
    }
    for (const before of removed) {
        changes.push({ kind: "delete", urn: before.urn, type: before.type, name: before.name, changedKeys: [], changedValues: {} });
    }
    return { baseStack: base.stack, headStack: head.stack, changes, unchanged, outputs: compareOutputs(base, head) };
}

const KIND_TITLES: Record<ChangeKind, string> = { add: "to add", update: "to update", replace: "to replace", delete: "to delete" };
const KIND_SIGNS: Record<ChangeKind, string> = { add: "+", update: "~", replace: "+-", delete: "-" };
const KINDS: ChangeKind[] = ["add", "update", "replace", "delete"];

function countOf(diff: SynthDiff, kind: ChangeKind): number {
    return diff.changes.filter((c) => c.kind === kind).length;
}

/** The summary: always printed in full. */
function summaryLines(diff: SynthDiff, title: string): string[] {
    const counts = KINDS.map((k) => `${KIND_SIGNS[k]}${countOf(diff, k)} ${KIND_TITLES[k]}`).join(", ");
    const outputs = diff.outputs.added.length + diff.outputs.removed.length + diff.outputs.changed.length;
    return [
        `### ${title}`,
        "",
        diff.changes.length === 0 ? "**No resource changes.**" : `**${counts}** (${diff.unchanged} unchanged)`,
        "",
        "| Change | Resources |",
        "|---|---|",
        ...KINDS.map((k) => `| ${KIND_SIGNS[k]} ${KIND_TITLES[k]} | ${countOf(diff, k)} |`),
        `| unchanged | ${diff.unchanged} |`,
        ...(outputs > 0 ? [`| stack outputs changed (names only) | ${outputs} |`] : []),
    ];
}

function code(text: string): string {
    return `\`${text.replace(/`/g, "'")}\``;
}

/** One line per resource; `keyLimit` caps the keys listed (detail trimming). */
function changeLine(change: ResourceChange, keyLimit: number): string {
    let line = `- ${code(change.type)} **${change.name}**`;
    if (change.replaceReason) line += ` — ${change.replaceReason}`;
    if (change.changedKeys.length > 0) {
        const keys = change.changedKeys.slice(0, keyLimit).map((k) => (change.changedValues[k] ? `${code(k)} (${change.changedValues[k]})` : code(k)));
        const more = change.changedKeys.length - keys.length;
        line += `: ${keys.join(", ")}${more > 0 ? `, … ${more} more` : ""}`;
    }
    if (change.previousUrn) line += `<br>was ${code(change.previousUrn)}`;
    return line;
}

function details(summary: string, lines: string[]): string {
    return ["<details>", `<summary>${summary}</summary>`, "", ...lines, "", "</details>"].join("\n");
}

/**
 * Markdown for a pull-request comment, at most `maxChars` long: detail (per-resource key lists,
 * then resource lines) is trimmed to fit; the summary never is.
 */
export function diffMarkdown(diff: SynthDiff, options: { title?: string; maxChars?: number } = {}): string {
    const maxChars = Math.min(options.maxChars ?? DEFAULT_MAX_CHARS, GITHUB_COMMENT_LIMIT);
    const title = options.title ?? `Preview diff: ${code(diff.headStack)}`;
    const summary = summaryLines(diff, title).join("\n");
    const outputsBlock = (): string[] => {
        const o = diff.outputs;
        const rows = [
            ...o.added.map((k) => `- + ${code(k)}`), ...o.changed.map((k) => `- ~ ${code(k)}`), ...o.removed.map((k) => `- - ${code(k)}`),
        ];
        return rows.length > 0 ? [details(`Stack outputs (${rows.length}, values not shown)`, rows)] : [];
    };
    const render = (keyLimit: number, lineLimit: number): string => {
        const blocks = KINDS.map((kind) => {
            const changes = diff.changes.filter((c) => c.kind === kind);
            if (changes.length === 0) return undefined;
            const lines = changes.slice(0, lineLimit).map((c) => changeLine(c, keyLimit));
            if (changes.length > lineLimit) lines.push(`- … ${changes.length - lineLimit} more not shown (comment size limit)`);
            return details(`${KIND_SIGNS[kind]} ${changes.length} ${KIND_TITLES[kind]}`, lines);
        }).filter((b): b is string => b !== undefined);
        return [summary, "", ...blocks, ...outputsBlock()].join("\n");
    };
    let keyLimit = 20;
    let lineLimit = Math.max(1, ...KINDS.map((k) => countOf(diff, k)));
    let text = render(keyLimit, lineLimit);
    while (text.length > maxChars && (keyLimit > 3 || lineLimit > 0)) {
        if (keyLimit > 3) keyLimit = Math.max(3, Math.floor(keyLimit / 2));
        else lineLimit = Math.floor(lineLimit * 0.7);
        text = render(keyLimit, lineLimit);
    }
    if (text.length > maxChars) text = summary; // the summary alone always fits
    return text;
}
