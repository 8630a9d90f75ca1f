/**
 * `pulumi.secret(value)`, made once per value object. Every pg resource marks its connection
 * inputs secret, and one connection reaches many of them (a regional colour's admin login reaches
 * one subscription per facility): the wrapper is built once per distinct value object and shared,
 * and a wrapper handed back in is returned as it is. Public SDK API only (`pulumi.secret`): the
 * result reports `isSecret`, carries the value's resources (dependencies) and is unknown whenever
 * a part of the value is unknown.
 */
import * as pulumi from "@pulumi/pulumi";

const wrapped = new WeakMap<object, pulumi.Output<unknown>>();
const wrappers = new WeakSet<object>();

export function secretInput<T>(value: pulumi.Input<T>): pulumi.Output<pulumi.Unwrap<T>> {
    if (value === null || typeof value !== "object") return pulumi.secret(value);
    if (wrappers.has(value as object)) return value as unknown as pulumi.Output<pulumi.Unwrap<T>>;
    let output = wrapped.get(value as object);
    if (!output) {
        output = pulumi.secret(value) as pulumi.Output<unknown>;
        wrapped.set(value as object, output);
        wrappers.add(output);
    }
    return output as pulumi.Output<pulumi.Unwrap<T>>;
}
