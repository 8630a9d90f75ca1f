/**
 * Derived figures and the table of the synth benchmark: per-facility cost (against a run with no
 * facilities), growth between fleet sizes and the library/bare-SDK ratio. Pure.
 */
import type { WorkerResult } from "./protocol";

export interface Measurement {
    mode: string;
    facilities: number;
    library: WorkerResult;
    /** The bare-SDK replay of the same graph, inputs as plain values; absent with --no-baseline. */
    baseline?: WorkerResult;
    /** The bare-SDK replay with each input taken from other resources as one Output of them; absent with --no-baseline. */
    wired?: WorkerResult;
    /** How many runs each of `library` and `baseline` is the median of; default 1. */
    runs?: number;
}

const MIB = 1024;

function seconds(ms: number): string {
    return (ms / 1000).toFixed(2);
}

/** Marginal cost of one facility: (value(N) - value(0)) / N, using the mode's 0-facility run. */
export function perFacility(value: (m: Measurement) => number, m: Measurement, reference: Measurement | undefined): number | undefined {
    if (m.facilities === 0 || reference === undefined) return undefined;
    return (value(m) - value(reference)) / m.facilities;
}

/** value(large) / value(small) for the two fleet sizes, when both were measured in the mode. */
export function growth(measurements: readonly Measurement[], mode: string, small: number, large: number, value: (m: Measurement) => number): number | undefined {
    const a = measurements.find((m) => m.mode === mode && m.facilities === small);
    const b = measurements.find((m) => m.mode === mode && m.facilities === large);
    return a && b ? value(b) / value(a) : undefined;
}

export const HEADER = [
    "mode", "facilities", "resources", "read", "eval s", "cpu s", "load s", "peak RSS MiB",
    "per facility: resources", "per facility: ms", "per facility: KiB RSS",
    "bare SDK eval s", "bare SDK RSS MiB", "library / bare SDK", "library / bare SDK (CPU)",
    "wired bare SDK eval s", "library / wired", "library / wired (CPU)",
] as const;

/** One row per measurement, in HEADER's columns. */
export function tableRows(measurements: readonly Measurement[]): string[][] {
    return measurements.map((m) => {
        const reference = measurements.find((r) => r.mode === m.mode && r.facilities === 0);
        const res = perFacility((x) => x.library.resources, m, reference);
        const ms = perFacility((x) => x.library.evalMs, m, reference);
        const rss = perFacility((x) => x.library.maxRssKb, m, reference);
        return [
            m.mode,
            String(m.facilities),
            String(m.library.resources),
            // Resources read (StackReferences), not in `resources`; replayed by the baseline too.
            String(m.library.reads ?? 0),
            seconds(m.library.evalMs),
            seconds(m.library.cpuMs),
            seconds(m.library.loadMs),
            (m.library.maxRssKb / MIB).toFixed(0),
            res === undefined ? "" : res.toFixed(1),
            ms === undefined ? "" : ms.toFixed(2),
            rss === undefined ? "" : rss.toFixed(0),
            m.baseline ? seconds(m.baseline.evalMs) : "",
            m.baseline ? (m.baseline.maxRssKb / MIB).toFixed(0) : "",
            m.baseline ? `${(m.library.evalMs / m.baseline.evalMs).toFixed(2)}x` : "",
            // CPU time is less sensitive than wall time to other jobs on a shared machine.
            m.baseline ? `${(m.library.cpuMs / m.baseline.cpuMs).toFixed(2)}x` : "",
            m.wired ? seconds(m.wired.evalMs) : "",
            m.wired ? `${(m.library.evalMs / m.wired.evalMs).toFixed(2)}x` : "",
            m.wired ? `${(m.library.cpuMs / m.wired.cpuMs).toFixed(2)}x` : "",
        ];
    });
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(header: readonly string[], rows: readonly string[][]): string {
    const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
    return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** A fixed-width table for the terminal. */
export function textTable(header: readonly string[], rows: readonly string[][]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: readonly string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
