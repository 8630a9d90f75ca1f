/**
 * What the engine benchmarks measure of one CLI run: wall seconds and the peak resident memory of
 * the engine's session (CLI + language host + program + every plugin, summed at 100 ms samples).
 * The CLI is started in a session of its own (`processGroup`); it starts each plugin and the
 * language host in a process group of its own, so the session, not the group, holds them all.
 */
import * as fs from "fs";
import { sessionProcesses } from "../tools/engine/cli";

const PAGE_KB = 4;

/** Resident kB of every process in session `sid`, and of those whose command line does not match `exclude`. */
function sessionRssKb(sid: number, exclude?: RegExp): { all: number; kept: number } {
    let all = 0;
    let kept = 0;
    for (const { pid, stat } of sessionProcesses(sid)) {
        const kb = Number(stat[21]) * PAGE_KB; // rss (pages)
        all += kb;
        try {
            if (!exclude?.test(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8"))) kept += kb;
        } catch { /* exited meanwhile */ }
    }
    return { all, kept };
}

/**
 * Runs `run` (which must start the CLI in a session of its own and report its pid), prints and
 * returns seconds and peak RSS; with `exclude`, also the peak without the processes it matches
 * (e.g. the stand-in plugins, whose size says nothing about the real ones).
 */
export async function measured<T extends { ms: number }>(label: string, run: (onSpawn: (pid: number) => void) => Promise<T>, exclude?: RegExp): Promise<T & { peakMiB: number; peakKeptMiB: number }> {
    let sid: number | undefined;
    let peak = 0;
    let peakKept = 0;
    const sampler = setInterval(() => {
        if (!sid) return;
        const rss = sessionRssKb(sid, exclude);
        peak = Math.max(peak, rss.all);
        peakKept = Math.max(peakKept, rss.kept);
    }, 100);
    const result = await run((pid) => { sid = pid; });
    clearInterval(sampler);
    const without = exclude ? `, ${(peakKept / 1024).toFixed(0)} MiB without ${exclude.source}` : "";
    console.log(`${label.padEnd(28)} ${(result.ms / 1000).toFixed(1).padStart(6)} s   peak RSS ${(peak / 1024).toFixed(0).padStart(5)} MiB${without}`);
    return { ...result, peakMiB: peak / 1024, peakKeptMiB: peakKept / 1024 };
}
