/**
 * Runs a FleetPlan's waves with bounded concurrency and a failure budget. Pure scheduling: what
 * an update of one stack does is the `update` callback's business (rollout.ts passes the Pulumi
 * Automation API; tests pass fakes).
 */
import type { EdgeStackTask, FleetPlan } from "./plan";

export interface ScheduleOptions {
    /** Edge stack updates running at the same time. Default 8. */
    concurrency?: number;
    /** A wave whose failed share exceeds this stops the rollout (later waves are not started). Default 0.05. */
    maxFailureRate?: number;
}

export type StackOutcome = { stack: string; facilityId?: string; ok: true } | { stack: string; facilityId?: string; ok: false; error: string };

export interface RolloutReport {
    outcomes: StackOutcome[];
    /** Index of the wave that exceeded the failure budget, if one did. */
    stoppedAtWave?: number;
    /** Edge stacks not attempted because the rollout stopped. */
    notStarted: string[];
}

/** Runs `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function runPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    const results: R[] = new Array(items.length);
    let next = 0;
    const lane = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await fn(items[index]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
    return results;
}

async function attempt(stack: string, facilityId: string | undefined, run: () => Promise<void>): Promise<StackOutcome> {
    try {
        await run();
        return { stack, facilityId, ok: true };
    } catch (err) {
        return { stack, facilityId, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
}

/**
 * Executes the plan: the regional stack first or last (as planned), the edge waves in order, each
 * wave with `concurrency` parallel updates. A wave over the failure budget stops the rollout, and
 * the regional update planned "last" is then not run either (it would wire facilities whose edge
 * stacks failed).
 */
export async function runRollout(
    plan: FleetPlan,
    update: { regional: (stack: string) => Promise<void>; edge: (task: EdgeStackTask) => Promise<void> },
    options: ScheduleOptions = {},
): Promise<RolloutReport> {
    const concurrency = options.concurrency ?? 8;
    const budget = options.maxFailureRate ?? 0.05;
    const outcomes: StackOutcome[] = [];
    if (plan.regional === "first") {
        const outcome = await attempt(plan.regionalStack, undefined, () => update.regional(plan.regionalStack));
        outcomes.push(outcome);
        if (!outcome.ok) return { outcomes, stoppedAtWave: -1, notStarted: plan.waves.flat().map((t) => t.stack) };
    }
    for (const [index, wave] of plan.waves.entries()) {
        const results = await runPool(wave, concurrency, (task) => attempt(task.stack, task.facilityId, () => update.edge(task)));
        outcomes.push(...results);
        const failed = results.filter((r) => !r.ok).length;
        if (failed / wave.length > budget) {
            const notStarted = plan.waves.slice(index + 1).flat().map((t) => t.stack);
            if (plan.regional === "last") notStarted.push(plan.regionalStack);
            return { outcomes, stoppedAtWave: index, notStarted };
        }
    }
    if (plan.regional === "last") outcomes.push(await attempt(plan.regionalStack, undefined, () => update.regional(plan.regionalStack)));
    return { outcomes, notStarted: [] };
}
