/**
 * Progress output for the demo: step headers, one ✔/✘ line per check, timings, and a summary.
 * Steps never print directly; they return checks, so a test can run a step's checker and read the
 * verdict without parsing output.
 */

/** The verdict of one thing the demo claims. */
export interface Check {
    /** True when the claim held. */
    ok: boolean;
    /** What was claimed, in one line (printed after ✔/✘). */
    label: string;
    /** Figures that back the verdict (counts, checksums), printed indented under the label. */
    details?: string[];
}

export const PASS = "✔";
export const FAIL = "✘";

/** Formats a duration in milliseconds as `412 ms` or `3.4 s`. */
export function formatDuration(ms: number): string {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Renders a check as the lines the demo prints (the test greps for these). */
export function renderCheck(check: Check): string[] {
    return [`  ${check.ok ? PASS : FAIL} ${check.label}`, ...(check.details ?? []).map((line) => `      ${line}`)];
}

interface StepRecord {
    title: string;
    ok: boolean;
    ms: number;
}

export class Narrator {
    private readonly started = Date.now();
    private readonly steps: StepRecord[] = [];
    private readonly printed = new WeakSet<Check>();

    constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

    /** A line of context (not a verdict). */
    info(text: string): void {
        this.write(`  · ${text}`);
    }

    /** Prints a check now (as the step goes); the step still returns it for its verdict. */
    check(check: Check): Check {
        renderCheck(check).forEach((line) => this.write(line));
        this.printed.add(check);
        return check;
    }

    /** {@link check} for each of several checks. */
    checks(checks: Check[]): Check[] {
        return checks.map((check) => this.check(check));
    }

    /** Runs a setup phase (not a claim): prints its title and duration, rethrows its failure. */
    async phase<T>(title: string, run: () => Promise<T>): Promise<T> {
        const t0 = Date.now();
        this.write(`\n▶ ${title}`);
        try {
            const result = await run();
            this.write(`  ${PASS} done (${formatDuration(Date.now() - t0)})`);
            return result;
        } catch (error) {
            this.write(`  ${FAIL} failed after ${formatDuration(Date.now() - t0)}: ${errorText(error)}`);
            throw error;
        }
    }

    /**
     * Runs one numbered step. The step passes when it returns at least one check and every check
     * holds (checks it did not print as it went are printed at its end); an exception is a failed step (printed, not rethrown) so later steps still run.
     */
    async step(title: string, run: (narrator: Narrator) => Promise<Check[]>): Promise<boolean> {
        const number = this.steps.length + 1;
        const t0 = Date.now();
        this.write(`\n▶ Step ${number}: ${title}`);
        let ok: boolean;
        try {
            const checks = await run(this);
            for (const check of checks) if (!this.printed.has(check)) this.check(check);
            ok = checks.length > 0 && checks.every((check) => check.ok);
        } catch (error) {
            this.write(`  ${FAIL} step raised an error: ${errorText(error)}`);
            ok = false;
        }
        const ms = Date.now() - t0;
        this.steps.push({ title, ok, ms });
        this.write(`  ${ok ? PASS : FAIL} Step ${number} ${ok ? "held" : "DID NOT HOLD"} (${formatDuration(ms)})`);
        return ok;
    }

    /** True when every step held. */
    get allHeld(): boolean {
        return this.steps.every((step) => step.ok);
    }

    /** Prints the summary table; returns whether every step held. */
    summary(): boolean {
        this.write("\n── Summary ──────────────────────────────────────────────");
        this.steps.forEach((step, index) => {
            this.write(`  ${step.ok ? PASS : FAIL} ${index + 1}. ${step.title} (${formatDuration(step.ms)})`);
        });
        const held = this.steps.filter((step) => step.ok).length;
        this.write(`  ${held}/${this.steps.length} steps held, total ${formatDuration(Date.now() - this.started)}`);
        return this.allHeld;
    }
}

export function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
