/**
 * `pulumi.secret(value)`, made once per value object and as few Outputs as the value allows.
 * Every pg dynamic resource marks its connection inputs secret, and one connection reaches many
 * of them (a regional colour's admin login reaches one subscription per facility); at 1,000
 * facilities each Output the SDK builds (about thirty promises it tracks) counts:
 *
 * - one wrapper per distinct value object (a wrapper handed back in is returned as it is);
 * - an Output: one new Output marked secret (sdk-internals/output-parts.ts); `pulumi.secret(output)`
 *   first runs `pulumi.output(output)`, which adds a copy and an apply (about three times the
 *   promises, measured in docs/scale.md);
 * - a flat record whose Outputs are all top-level fields (a connection: plain host and user, a
 *   secret password Output): one Output of the record (`collectRecord`), instead of
 *   `pulumi.output`'s walk;
 * - anything else (nested records, arrays, promises, plain strings and numbers): `pulumi.secret`.
 *
 * The result always reports `isSecret`, carries the value's resources (dependencies) and is
 * unknown whenever a part of the value is unknown, as `pulumi.secret` would be.
 */
import * as pulumi from "@pulumi/pulumi";
import { collectRecord, secretOutput } from "../../sdk-internals/output-parts";

const wrapped = new WeakMap<object, pulumi.Output<unknown>>();
const wrappers = new WeakSet<object>();

function isPlainRecord(value: object): value is Record<string, unknown> {
    return !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * A flat record with top-level Output fields (collectRecord: one Output of it) as a secret;
 * undefined when the record is not of that shape.
 */
function secretFlatRecord(record: Record<string, unknown>): pulumi.Output<unknown> | undefined {
    let outputs = 0;
    for (const inner of Object.values(record)) {
        if (pulumi.Output.isInstance(inner)) outputs++;
        else if (inner !== null && typeof inner === "object") return undefined; // nested values, promises: pulumi.output walks them
    }
    return outputs === 0 ? undefined : secretOutput(collectRecord(record) as pulumi.Output<unknown>);
}

export function secretInput<T>(value: pulumi.Input<T>): pulumi.Output<pulumi.Unwrap<T>> {
    if (value === null || typeof value !== "object") return pulumi.secret(value);
    if (wrappers.has(value as object)) return value as unknown as pulumi.Output<pulumi.Unwrap<T>>;
    let output = wrapped.get(value as object);
    if (!output) {
        output = pulumi.Output.isInstance(value)
            ? secretOutput(value as pulumi.Output<unknown>)
            : (isPlainRecord(value as object) ? secretFlatRecord(value as Record<string, unknown>) : undefined) ?? pulumi.secret(value);
        wrapped.set(value as object, output);
        wrappers.add(output);
    }
    return output as pulumi.Output<pulumi.Unwrap<T>>;
}
