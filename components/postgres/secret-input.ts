/**
 * `pulumi.secret(value)`, made once per value object. Every pg dynamic resource marks its
 * connection inputs secret, and one connection Output reaches many of them (a regional colour's
 * admin login reaches one subscription per facility). Each `pulumi.secret` is a new Output (about
 * forty promises the SDK tracks); one wrapper per distinct value registers the same inputs for a
 * fraction of the cost. A wrapper handed back in is returned as it is. Plain strings and numbers
 * are wrapped each time (they cannot be keys).
 */
import * as pulumi from "@pulumi/pulumi";

const wrapped = new WeakMap<object, pulumi.Output<unknown>>();
const wrappers = new WeakSet<object>();

export function secretInput<T>(value: pulumi.Input<T>): pulumi.Output<pulumi.Unwrap<T>> {
    if (value === null || typeof value !== "object") return pulumi.secret(value);
    if (wrappers.has(value as object)) return value as unknown as pulumi.Output<pulumi.Unwrap<T>>;
    let output = wrapped.get(value as object);
    if (!output) {
        output = pulumi.secret(value);
        wrapped.set(value as object, output);
        wrappers.add(output);
    }
    return output as pulumi.Output<pulumi.Unwrap<T>>;
}
