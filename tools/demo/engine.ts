/**
 * A minimal `pulumi up` for the PostgreSQL resources, so the demo applies the real ReplicationMesh
 * component in-process: the program runs under the SDK's mock runtime (the recording monitor of
 * tools/synth), and every `agogsaas:*` resource it registers is created the way the package's
 * provider plugin creates it: by the provider of its type (components/postgres/providers/dispatch.ts),
 * `check` then `create`, with the resolved inputs (secrets unwrapped).
 *
 * So the demo exercises the component's validation, its wiring (which resource gets which inputs,
 * in which order) and the providers the plugin serves. The real engine is tools/engine.
 *
 * Ordering follows the SDK: a resource is registered only once the URNs of its dependencies are
 * known, and a URN is known only when the monitor answers, which it does after `create` returned.
 * Other resource types (the component itself, the stack) get the mock runtime's fake outputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";
import { synthesize, SynthError, SynthResult } from "../synth/mock-runtime";
import { providerOfType } from "../../components/postgres/providers/dispatch";
import { isPgResourceType } from "../../components/postgres/providers/resource-types";
import { unwrapSecrets } from "../../provider/secret-wire";


/** One PostgreSQL resource the engine created. */
export interface CreatedResource {
    /** Pulumi resource name (e.g. `mesh-mesh_edge_la_to_us_east_blue-sub`). */
    name: string;
    /** Provider id returned by `create`. */
    id: string;
    /** Outputs returned by `create` (secrets included: keep them in memory only). */
    outs: Record<string, unknown>;
    /** The provider of its kind, for `read`/`delete` later. */
    provider: pulumi.dynamic.ResourceProvider;
    /** Time `check` + `create` took. */
    ms: number;
}

/** What one run of a program did. */
export interface EngineRun {
    /** The registered resource graph (secrets redacted), as `npm run synth` records it. */
    graph: SynthResult;
    /** PostgreSQL resources created, in creation order. */
    created: CreatedResource[];
}

/** Thrown when the program fails (validation) or a provider fails; carries what was done before. */
export class EngineError extends Error {
    constructor(message: string, public readonly cause: unknown, public readonly run: EngineRun) {
        super(message);
        this.name = "EngineError";
    }
}

export interface ApplyOptions {
    /** Called after each PostgreSQL resource is created (progress output). */
    onCreated?: (resource: CreatedResource) => void;
    /** Stack name shown in URNs; default `local-demo`. */
    stack?: string;
}

async function createPgResource(args: MockResourceArgs): Promise<CreatedResource> {
    const t0 = Date.now();
    const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
    const provider = providerOfType(args.type);
    let checked: Record<string, unknown> = inputs;
    if (provider.check) {
        const result = await provider.check({}, inputs);
        if (result.failures && result.failures.length > 0) {
            throw new Error(`${args.name}: check failed: ${result.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
        }
        checked = result.inputs ?? inputs;
    }
    const { id, outs } = await provider.create(checked);
    return { name: args.name, id, outs: outs ?? {}, provider, ms: Date.now() - t0 };
}

/**
 * Runs `program` and creates its PostgreSQL resources against the real databases their inputs name.
 * Throws an {@link EngineError} when the program throws (nothing after the throw is registered) or
 * when a provider fails.
 */
export async function applyProgram(program: () => unknown, options: ApplyOptions = {}): Promise<EngineRun> {
    const created: CreatedResource[] = [];
    const failures: { name: string; error: unknown }[] = [];
    const newResource = async (args: MockResourceArgs) => {
        if (!isPgResourceType(args.type)) return { id: `${args.name}-id`, state: {} };
        try {
            const resource = await createPgResource(args);
            created.push(resource);
            options.onCreated?.(resource);
            return { id: resource.id, state: resource.outs };
        } catch (error) {
            failures.push({ name: args.name, error });
            throw error;
        }
    };
    // A failed registration rejects promises inside the SDK that nobody awaits; the CLI's language
    // host reports those, so do we (instead of letting node crash the demo before its cleanup).
    const onUnhandled = (reason: unknown) => failures.push({ name: "program", error: reason });
    process.on("unhandledRejection", onUnhandled);
    let graph: SynthResult;
    try {
        graph = await synthesize({ project: "agogsaas-demo", stack: options.stack ?? "local-demo", program, mocks: { newResource } });
    } catch (error) {
        const partial = error instanceof SynthError ? error.partial : emptyGraph(options.stack);
        const cause = error instanceof SynthError ? error.cause : error;
        throw new EngineError(cause instanceof Error ? cause.message : String(cause), cause, { graph: partial, created });
    } finally {
        // The SDK's internal promises reject a moment after the program itself fails: keep
        // listening until they have (a macrotask later), or node would crash the demo.
        await new Promise((resolve) => setTimeout(resolve, 50));
        process.off("unhandledRejection", onUnhandled);
    }
    if (failures.length > 0) {
        const first = failures[0];
        const message = `${first.name}: ${first.error instanceof Error ? first.error.message : String(first.error)}`;
        throw new EngineError(message, first.error, { graph, created });
    }
    return { graph, created };
}

function emptyGraph(stack: string | undefined): SynthResult {
    return { project: "agogsaas-demo", stack: stack ?? "local-demo", resources: [], outputs: {}, secretOutputs: [] };
}

/** Deletes what a run created, newest first (as `pulumi destroy` would, dependents before dependencies). */
export async function destroyCreated(created: readonly CreatedResource[]): Promise<void> {
    for (const resource of [...created].reverse()) {
        if (resource.provider.delete) await resource.provider.delete(resource.id, resource.outs);
    }
}
