/**
 * What the engine benchmarks measure of one CLI run: wall seconds and the peak resident memory of
 * the engine's process group (CLI + language host + program + plugins, summed at 100 ms samples).
 */
import * as fs from "fs";

const PAGE_KB = 4;

/** Resident kB of every process in group `pgid`. */
function groupRssKb(pgid: number): number {
    let total = 0;
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            if (Number(fields[2]) === pgid) total += Number(fields[21]) * PAGE_KB; // pgrp, rss (pages)
        } catch { /* exited meanwhile */ }
    }
    return total;
}

/** Runs `run` (which must start the CLI in a process group and report its pid), prints and returns seconds and peak RSS. */
export async function measured<T extends { ms: number }>(label: string, run: (onSpawn: (pid: number) => void) => Promise<T>): Promise<T & { peakMiB: number }> {
    let pgid: number | undefined;
    let peak = 0;
    const sampler = setInterval(() => { if (pgid) peak = Math.max(peak, groupRssKb(pgid)); }, 100);
    const result = await run((pid) => { pgid = pid; });
    clearInterval(sampler);
    console.log(`${label.padEnd(28)} ${(result.ms / 1000).toFixed(1).padStart(6)} s   peak RSS ${(peak / 1024).toFixed(0).padStart(5)} MiB`);
    return { ...result, peakMiB: peak / 1024 };
}

