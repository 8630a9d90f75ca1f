/** Checks of plain values shared by the components' args validation; each throws a ValidationError naming the field. */
import { ValidationError } from "./errors";

/** `value` when it is an integer from `min` to `max` (inclusive). */
export function assertIntegerInRange(field: string, value: unknown, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new ValidationError(field, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return value;
}
