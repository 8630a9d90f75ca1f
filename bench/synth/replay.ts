/**
 * The bare-SDK baseline: replays a recorded resource graph (a SynthResult of the real stack) with
 * plain `pulumi.CustomResource` / `ProviderResource` / `ComponentResource`: the same type tokens,
 * names, inputs (secret inputs with their values, wrapped with `pulumi.secret` again), parents,
 * explicit providers, dependencies and options (`ignoreChanges`, `additionalSecretOutputs`, ...),
 * registered in the recorded order (recorded with `recordForReplay`). What the library adds on top of
 * this (validation, Output chains, closures, component bookkeeping) is the library's overhead.
 *
 * Resources the program READ (`pulumi.StackReference`: a resource, read from the engine rather
 * than registered) are replayed too, after the registered ones: the same reference, and a
 * `getOutput` for every stack output the program asked for (the values are not consumed).
 *
 * Two wirings (`ReplayWiring`):
 * - `plain`: an input that was another resource's output arrives as its plain recorded value,
 *   with that resource in `dependsOn`. No Output flows between resources at all: a lower bound no
 *   real program reaches, since a container cannot know its image's id, nor a subscription the
 *   password another stack exported, before those resources exist.
 * - `wired`: the least a hand-written program needs to express the same data flow. Every input
 *   property the library built from other resources (the engine's `propertyDependencies`) is one
 *   Output: `dep.id.apply(() => value)` (`pulumi.all` of their ids for several), and only the
 *   remaining dependencies are `dependsOn`. StackReferences a property came from are read before
 *   the resource that uses them.
 * Neither replays dynamic-provider closure serialisation (the serialised `__provider` string is
 * a plain input) nor the library's own Output chains beyond that one per property: those are the
 * library's costs the ratios expose.
 */
import * as pulumi from "@pulumi/pulumi";
import type { SynthResource, SynthResult } from "../../tools/synth/mock-runtime";
import { EDGE_SITE_TYPE } from "../../components/edge-site/edge-site";
import { nextTurn, startsTurn } from "../../stacks/edge-sites";

const PROVIDER_TYPE_PREFIX = "pulumi:providers:";

/** Sets `value` at a dotted/indexed path (`a.b[2].c`) inside `target`, if the path exists. */
function mapAtPath(target: unknown, path: string, map: (value: unknown) => unknown): unknown {
    const keys = path.match(/[^.[\]]+/g) ?? [];
    if (keys.length === 0) return map(target);
    const [head, ...rest] = keys as [string, ...string[]];
    const restPath = rest.join(".");
    if (Array.isArray(target)) {
        const index = Number(head);
        return target.map((item, i) => (i === index ? mapAtPath(item, restPath, map) : item));
    }
    if (target !== null && typeof target === "object" && head in (target as object)) {
        return { ...(target as Record<string, unknown>), [head]: mapAtPath((target as Record<string, unknown>)[head], restPath, map) };
    }
    return target;
}

/** The recorded inputs with each secret path wrapped in `pulumi.secret` again. */
export function replayInputs(resource: Pick<SynthResource, "inputs" | "secretPaths">): Record<string, unknown> {
    let inputs: unknown = resource.inputs;
    for (const path of resource.secretPaths) inputs = mapAtPath(inputs, path, (value) => pulumi.secret(value));
    return inputs as Record<string, unknown>;
}

/**
 * Orders resources so every parent and provider comes before the resources that name it (the
 * recorded order already does; this keeps the replay valid for any input order).
 */
export function registrationOrder(resources: readonly SynthResource[]): SynthResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const done = new Set<string>();
    const ordered: SynthResource[] = [];
    const visit = (r: SynthResource, path: Set<string>) => {
        if (done.has(r.urn)) return;
        if (path.has(r.urn)) throw new Error(`cycle through ${r.urn}`);
        path.add(r.urn);
        for (const before of [r.parent, r.provider]) {
            const other = before === undefined ? undefined : byUrn.get(before);
            if (other) visit(other, path);
        }
        path.delete(r.urn);
        done.add(r.urn);
        ordered.push(r);
    };
    for (const r of resources) visit(r, new Set());
    return ordered;
}

/** Concrete classes (the SDK's are abstract); one level under the SDK's, like a provider SDK's resource classes. */
class ReplayedComponent extends pulumi.ComponentResource {
    constructor(type: string, name: string, inputs: pulumi.Inputs, opts: pulumi.ComponentResourceOptions) {
        super(type, name, inputs, opts);
        this.registerOutputs({});
    }
}
class ReplayedCustomResource extends pulumi.CustomResource {}
class ReplayedProvider extends pulumi.ProviderResource {}

/** A resource the program read instead of registering (a StackReference), and the outputs it asked for. */
export interface RecordedRead {
    urn: string;
    type: string;
    name: string;
    /** The id read (a StackReference's: the referenced stack's name). */
    id: string;
    parent?: string;
    inputs: Record<string, unknown>;
    /** Stack outputs fetched with getOutput/requireOutput, in call order (repeats kept). */
    outputNames: string[];
}

export const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";

/** What the library measurement writes for the replay (recorded with `recordForReplay`). */
export interface RecordedGraph extends Pick<SynthResult, "resources" | "outputs">, Partial<Pick<SynthResult, "secretOutputs">> {
    /** Per custom resource type: every property its class declares (inputs and outputs). */
    declaredProperties?: Record<string, string[]>;
    /** Resources read (StackReferences); default none. */
    reads?: RecordedRead[];
}

/**
 * The recorded inputs plus every other property the type's SDK class declares, as `undefined`:
 * provider SDK classes declare all their outputs that way, and the SDK makes an Output of each.
 */
export function withDeclaredProperties(inputs: Record<string, unknown>, declared: readonly string[] | undefined): Record<string, unknown> {
    const props: Record<string, unknown> = {};
    for (const key of declared ?? []) props[key] = undefined;
    return Object.assign(props, inputs);
}

/** How inputs that came from other resources are replayed (see the module comment). */
export type ReplayWiring = "plain" | "wired";
export const REPLAY_WIRINGS: readonly ReplayWiring[] = ["plain", "wired"];

/** The Output a hand-written program would take from `resource`: a custom resource's id, a component's URN. */
function outputOf(resource: pulumi.Resource): pulumi.Output<unknown> {
    return pulumi.CustomResource.isInstance(resource) ? resource.id : resource.urn;
}

/**
 * The replay, as a program for `synthesize`. It yields to the event loop where the stack program
 * does (`startsTurn` of stacks/edge-sites.ts, counted in EdgeSites), so both register in the
 * same rhythm and the ratio measures the library's work, not a different schedule.
 */
export function replayProgram(recorded: RecordedGraph, wiring: ReplayWiring = "plain"): () => Promise<Record<string, unknown>> {
    const ordered = registrationOrder(recorded.resources);
    const readsByUrn = new Map((recorded.reads ?? []).map((read) => [read.urn, read]));
    return async () => {
        const created = new Map<string, pulumi.Resource>();
        const replayRead = (read: RecordedRead): pulumi.Resource => {
            const parent = read.parent === undefined ? undefined : created.get(read.parent);
            let resource: pulumi.Resource;
            if (read.type === STACK_REFERENCE_TYPE) {
                const ref = new pulumi.StackReference(read.name, { name: read.id }, { parent });
                for (const output of read.outputNames) ref.getOutput(output);
                resource = ref;
            } else {
                resource = new ReplayedCustomResource(read.type, read.name, read.inputs, { parent, id: read.id });
            }
            created.set(read.urn, resource);
            return resource;
        };
        const resolve = (urn: string): pulumi.Resource | undefined => {
            const existing = created.get(urn);
            if (existing) return existing;
            const read = readsByUrn.get(urn);
            return read ? replayRead(read) : undefined;
        };
        let sites = 0;
        for (const r of ordered) {
            if (r.type === EDGE_SITE_TYPE && startsTurn(sites++)) await nextTurn();
            const parent = r.parent === undefined ? undefined : created.get(r.parent);
            const provider = r.provider === undefined ? undefined : created.get(r.provider) as pulumi.ProviderResource | undefined;
            let inputs = r.custom ? withDeclaredProperties(replayInputs(r), recorded.declaredProperties?.[r.type]) : replayInputs(r);
            let explicit = r.dependencies;
            if (wiring === "wired" && r.propertyDependencies) {
                inputs = { ...inputs };
                const viaInputs = new Set<string>();
                for (const [key, urns] of Object.entries(r.propertyDependencies)) {
                    const sources = urns.map(resolve).filter((d): d is pulumi.Resource => d !== undefined);
                    if (!(key in inputs) || sources.length === 0) continue;
                    urns.forEach((urn) => viaInputs.add(urn));
                    const value = inputs[key];
                    const ready = sources.length === 1 ? outputOf(sources[0]) : pulumi.all(sources.map(outputOf));
                    inputs[key] = ready.apply(() => value);
                }
                explicit = explicit.filter((urn) => !viaInputs.has(urn));
            }
            const dependsOn = explicit.map((urn) => created.get(urn)).filter((d): d is pulumi.Resource => d !== undefined);
            const opts: pulumi.CustomResourceOptions = {
                parent,
                provider,
                dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
                ignoreChanges: r.ignoreChanges.length > 0 ? r.ignoreChanges : undefined,
                additionalSecretOutputs: r.additionalSecretOutputs,
                retainOnDelete: r.retainOnDelete || undefined,
                protect: r.protect || undefined,
            };
            let resource: pulumi.Resource;
            if (!r.custom) {
                resource = new ReplayedComponent(r.type, r.name, inputs, opts);
            } else if (r.type.startsWith(PROVIDER_TYPE_PREFIX)) {
                resource = new ReplayedProvider(r.type.slice(PROVIDER_TYPE_PREFIX.length), r.name, inputs, opts);
            } else {
                resource = new ReplayedCustomResource(r.type, r.name, inputs, opts);
            }
            created.set(r.urn, resource);
        }
        for (const read of recorded.reads ?? []) if (!created.has(read.urn)) replayRead(read);
        return replayInputs({ inputs: recorded.outputs, secretPaths: recorded.secretOutputs ?? [] });
    };
}
