/**
 * What a stack reads from another stack (a peer region's `peering`, an edge stack's endpoint) is
 * checked against what this stack's config declares about it: a contradiction means one of the
 * two is wrong, and acting on either could route rows to the wrong zone or the wrong facility.
 */
import { SovereigntyError } from "@agogsaas/pulumi";

/** One value both sides state: the config key and its value, and what the other stack exports. */
export interface ContractCheck {
    /** The config key that declares the value, e.g. `agogsaas:peers[0].zone`. */
    key: string;
    /** How the key is shown when its value is a default, e.g. "(default: the stack's zone)". */
    keyNote?: string;
    /** The declared value; undefined when config declares nothing (nothing to check). */
    declared: unknown;
    /** The name of the other stack's output field, e.g. `peering.zone`. */
    output: string;
    exported: unknown;
}

const show = (value: unknown) => JSON.stringify(value);

/** Throws a SovereigntyError naming the config key, the declared value and the exported one, at the first that disagree. */
export function assertStacksAgree(source: string, checks: readonly ContractCheck[]): void {
    for (const check of checks) {
        if (check.declared === undefined || show(check.declared) === show(check.exported)) continue;
        const key = check.keyNote ? `${check.key} ${check.keyNote}` : check.key;
        throw new SovereigntyError(check.key, `${key} is ${show(check.declared)} but ${source} exports ${check.output} ${show(check.exported)}`, `${show(check.exported)}, or the other stack corrected`);
    }
}
