/**
 * Polling with a deadline: replication is asynchronous, so every "reaches" claim in the demo is
 * "becomes true within a bound". The bound is generous (the platform promises 5 s of lag); the
 * demo prints how long it actually took.
 */

export interface WaitOutcome<T> {
    /** True when the condition held before the deadline. */
    ok: boolean;
    /** The last value observed (whether or not it satisfied the condition). */
    value: T;
    /** Milliseconds from the start of waiting to the last observation. */
    ms: number;
}

export interface WaitOptions {
    /** Give up after this many milliseconds. Default 15000. */
    timeoutMs?: number;
    /** Pause between observations. Default 50 ms. */
    intervalMs?: number;
}

/** Observes `probe` until `done(value)` holds or the deadline passes; never throws on timeout. */
export async function waitUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, options: WaitOptions = {}): Promise<WaitOutcome<T>> {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const intervalMs = options.intervalMs ?? 50;
    const t0 = Date.now();
    for (;;) {
        const value = await probe();
        const ms = Date.now() - t0;
        if (done(value)) return { ok: true, value, ms };
        if (ms >= timeoutMs) return { ok: false, value, ms };
        await sleep(intervalMs);
    }
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
