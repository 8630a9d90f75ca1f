/**
 * The one-screen summary `npm run synth` prints: resources by type and by component, how many
 * secrets were redacted, and the stack outputs (secret ones redacted).
 */
import { REDACTED, STACK_TYPE, SynthResource, SynthResult } from "./mock-runtime";

/** Lines kept per table before the rest is folded into "... N more". */
const MAX_ROWS = 25;

export interface SynthCounts {
    resources: number;
    custom: number;
    components: number;
    /** Secret input values replaced by "[secret]" across all resources. */
    secretInputs: number;
    /** Stack outputs that are secret. */
    secretOutputs: number;
    byType: [string, number][];
    /** Top-level components (children of the stack) with the number of resources under them. */
    byComponent: [string, number][];
}

function sortedCounts(map: Map<string, number>): [string, number][] {
    return [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function countResources(result: SynthResult): SynthCounts {
    const byType = new Map<string, number>();
    for (const r of result.resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);

    const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
    const isTopLevel = (r: SynthResource) => r.parent === undefined || !byUrn.has(r.parent) || byUrn.get(r.parent)!.type === STACK_TYPE;
    const topOf = (r: SynthResource): SynthResource => {
        let current = r;
        while (!isTopLevel(current)) current = byUrn.get(current.parent!)!;
        return current;
    };
    const byComponent = new Map<string, number>();
    for (const r of result.resources) {
        const top = topOf(r);
        if (top === r && r.custom) continue; // a top-level custom resource is not a component
        const label = `${top.type} ${top.name}`;
        byComponent.set(label, (byComponent.get(label) ?? 0) + (top === r ? 0 : 1));
    }

    return {
        resources: result.resources.length,
        custom: result.resources.filter((r) => r.custom).length,
        components: result.resources.filter((r) => !r.custom).length,
        secretInputs: result.resources.reduce((sum, r) => sum + r.secretPaths.length, 0),
        secretOutputs: result.secretOutputs.length,
        byType: sortedCounts(byType),
        byComponent: sortedCounts(byComponent),
    };
}

function table(rows: [string, number][]): string[] {
    const shown = rows.slice(0, MAX_ROWS).map(([label, n]) => `  ${String(n).padStart(5)}  ${label}`);
    if (rows.length > MAX_ROWS) {
        const rest = rows.slice(MAX_ROWS);
        shown.push(`  ${String(rest.reduce((s, [, n]) => s + n, 0)).padStart(5)}  ... ${rest.length} more`);
    }
    return shown;
}

/** One line per output; values shortened so the summary stays on one screen. */
function outputLines(outputs: Record<string, unknown>): string[] {
    return Object.entries(outputs).map(([name, value]) => {
        const text = value === REDACTED ? REDACTED : JSON.stringify(value);
        return `  ${name} = ${text.length > 100 ? `${text.slice(0, 97)}...` : text}`;
    });
}

/** The summary as lines of text (no trailing newline). */
export function formatSummary(result: SynthResult): string[] {
    const c = countResources(result);
    return [
        `Stack ${result.stack} (project ${result.project}): ${c.resources} resources ` +
            `(${c.custom} custom resources, ${c.components} components); ` +
            `${c.secretInputs} secret input value(s) and ${c.secretOutputs} secret output(s) redacted`,
        "",
        "By type:",
        ...table(c.byType),
        "",
        "By component (resources under each top-level component):",
        ...table(c.byComponent),
        "",
        "Outputs:",
        ...outputLines(result.outputs),
    ];
}
