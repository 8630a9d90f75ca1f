/**
 * Two Outputs built directly from other Outputs' parts, the way the SDK's own `pulumi.unsecret`
 * builds its result, where the public API costs several Outputs per value (docs/scale.md):
 *
 * - `secretOutput(output)`: `pulumi.secret(output)` first runs `pulumi.output(output)`, a copy and
 *   an apply; this is one Output.
 * - `collectRecord(record)`: `pulumi.all(record)` makes two Outputs per Output value; this is one
 *   for the whole record. For 1,000 facilities' summaries in a stack output, whose walk
 *   (`runtime/stack.js` `massage`) also awaits every Output it meets one after the other.
 *
 * Both keep what `pulumi.secret` / `pulumi.all` keep: the value, the dependencies (resources), the
 * unknown state (unknown when any part is unknown) and secretness (secret when any part is). Both
 * fall back to the public functions on an SDK without these parts (checked per call).
 */
import * as pulumi from "@pulumi/pulumi";

/** What `pulumi.unsecret` (SDK 3.x) reads from an Output to build a new one. */
interface OutputParts {
    resources(): Set<pulumi.Resource>;
    promise(withUnknowns?: boolean): Promise<unknown>;
    isKnown: Promise<boolean>;
    isSecret: Promise<boolean>;
    allResources(): Promise<Set<pulumi.Resource>>;
}
type OutputConstructor = new (resources: Set<pulumi.Resource>, promise: Promise<unknown>, isKnown: Promise<boolean>, isSecret: Promise<boolean>, allResources: Promise<Set<pulumi.Resource>>) => pulumi.Output<unknown>;

function partsOf(output: pulumi.Output<unknown>): OutputParts | undefined {
    const parts = output as unknown as Partial<OutputParts>;
    return typeof parts.resources === "function" && typeof parts.promise === "function" && typeof parts.allResources === "function"
        && parts.isKnown instanceof Promise && parts.isSecret instanceof Promise ? parts as OutputParts : undefined;
}

function build<T>(resources: Set<pulumi.Resource>, value: Promise<unknown>, isKnown: Promise<boolean>, isSecret: Promise<boolean>, allResources: Promise<Set<pulumi.Resource>>): pulumi.Output<T> {
    return new (pulumi.Output as unknown as OutputConstructor)(resources, value, isKnown, isSecret, allResources) as pulumi.Output<T>;
}

/** `output` as a secret, in one Output. */
export function secretOutput<T>(output: pulumi.Output<T>): pulumi.Output<T> {
    const parts = partsOf(output);
    if (!parts) return pulumi.secret(output) as pulumi.Output<T>;
    return build<T>(parts.resources(), parts.promise(true), parts.isKnown, Promise.resolve(true), parts.allResources());
}

/** The record itself when none of its values is an Output; else one Output of the record with every Output value resolved. */
export function collectRecord<T>(record: Record<string, pulumi.Input<T>>): pulumi.Input<Record<string, pulumi.Unwrap<T>>> {
    const entries = Object.entries(record);
    // Per entry: the Output's parts, null for a plain value, undefined for an Output without the parts.
    const entryParts = entries.map(([, v]) => (pulumi.Output.isInstance(v) ? partsOf(v) : null));
    if (entryParts.every((p) => p === null)) return record as Record<string, pulumi.Unwrap<T>>;
    if (entryParts.some((p) => p === undefined)) return pulumi.all(record) as pulumi.Output<Record<string, pulumi.Unwrap<T>>>;
    const known = entryParts.filter((p): p is OutputParts => p !== null && p !== undefined);
    const union = (sets: Set<pulumi.Resource>[]) => new Set(sets.flatMap((set) => [...set]));
    const value = Promise.all(entries.map(([, v], i) => entryParts[i]?.promise(true) ?? v))
        .then((values) => Object.fromEntries(entries.map(([key], i) => [key, values[i]])));
    return build<Record<string, pulumi.Unwrap<T>>>(
        union(known.map((p) => p.resources())),
        value,
        Promise.all(known.map((p) => p.isKnown)).then((all) => all.every(Boolean)),
        Promise.all(known.map((p) => p.isSecret)).then((all) => all.some(Boolean)),
        Promise.all(known.map((p) => p.allResources())).then(union),
    );
}
