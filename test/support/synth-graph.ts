/** Lookups on a synthesized resource graph, shared by the EdgeSite tests. */
import * as assert from "assert";
import type { SynthResource, SynthResult } from "../../tools/synth/mock-runtime";

/** The resource named `name` (asserting there is one). */
export function named(result: SynthResult, name: string): SynthResource {
    const found = result.resources.find((r) => r.name === name);
    assert.ok(found, `resource ${name} registered`);
    return found;
}

/** A Docker resource's `labels` list as a map. */
export function labelsOf(resource: SynthResource): Record<string, string> {
    return Object.fromEntries(((resource.inputs.labels ?? []) as { label: string; value: string }[]).map((l) => [l.label, l.value]));
}
