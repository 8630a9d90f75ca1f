/**
 * `node -r ts-node/register/transpile-only bench/synth/profile-summary.ts <file.cpuprofile> [top]`:
 * summarises a V8 CPU profile (from `npm run bench:synth -- --cpu-prof <dir>`): the functions with
 * the most self time, and self time per module (package or project file).
 */
import * as fs from "fs";

interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
}
interface Profile {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
}

/** `node_modules/@pulumi/pulumi/runtime/rpc.js` -> `@pulumi/pulumi`; project files keep their path. */
export function moduleOf(url: string): string {
    if (!url) return "(native / gc / idle)";
    const nm = url.lastIndexOf("node_modules/");
    if (nm >= 0) {
        const parts = url.slice(nm + "node_modules/".length).split("/");
        return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
    }
    if (url.startsWith("node:")) return "node (internals)";
    const m = /\/(components|stacks|tools|bench)\/(.*)$/.exec(url);
    return m ? `${m[1]}/${m[2]}` : url;
}

function frameKey(frame: ProfileNode["callFrame"]): string {
    const file = frame.url.replace(/^.*\/(node_modules\/|components\/|stacks\/|tools\/|bench\/)/, "$1");
    return `${frame.functionName || "(anonymous)"}  ${file}:${frame.lineNumber + 1}`;
}

/** Self time (ms) per function and per module, and total time (self + callees, once per sample) per function. */
export function summarise(profile: Profile): { functions: [string, number][]; inclusive: [string, number][]; modules: [string, number][]; totalMs: number } {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const inclusive = new Map<string, number>();
    profile.samples.forEach((id, i) => {
        const seen = new Set<string>();
        for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
            const key = frameKey(byId.get(at)!.callFrame);
            if (seen.has(key)) continue;
            seen.add(key);
            inclusive.set(key, (inclusive.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
        }
    });
    const self = new Map<number, number>();
    profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
    const functions = new Map<string, number>();
    const modules = new Map<string, number>();
    let totalMs = 0;
    for (const [id, ms] of self) {
        const frame = byId.get(id)!.callFrame;
        const key = frameKey(frame);
        functions.set(key, (functions.get(key) ?? 0) + ms);
        const mod = moduleOf(frame.url);
        modules.set(mod, (modules.get(mod) ?? 0) + ms);
        totalMs += ms;
    }
    const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
    return { functions: sorted(functions), inclusive: sorted(inclusive), modules: sorted(modules), totalMs };
}

if (require.main === module) {
    const [file, topArg] = process.argv.slice(2);
    if (!file) {
        console.error("usage: profile-summary.ts <file.cpuprofile> [top]");
        process.exit(2);
    }
    const top = Number(topArg ?? 25);
    const { functions, inclusive, modules, totalMs } = summarise(JSON.parse(fs.readFileSync(file, "utf8")) as Profile);
    const pct = (ms: number) => `${((100 * ms) / totalMs).toFixed(1).padStart(5)} %`;
    console.log(`total ${(totalMs / 1000).toFixed(2)} s sampled\n\nself time by module:`);
    for (const [name, ms] of modules.slice(0, 12)) console.log(`  ${pct(ms)}  ${(ms / 1000).toFixed(2).padStart(6)} s  ${name}`);
    console.log("\nself time by function:");
    for (const [name, ms] of functions.slice(0, top)) console.log(`  ${pct(ms)}  ${(ms / 1000).toFixed(2).padStart(6)} s  ${name}`);
    console.log("\ntotal time (self + callees) by function:");
    for (const [name, ms] of inclusive.slice(0, top)) console.log(`  ${pct(ms)}  ${(ms / 1000).toFixed(2).padStart(6)} s  ${name}`);
}
