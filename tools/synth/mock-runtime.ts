/**
 * Runs a Pulumi program under the SDK's mock runtime and records the resource graph it registers.
 *
 * `pulumi.runtime.setMocks` hands `newResource` its inputs with secrets already unwrapped, so this
 * module installs its own monitor (a MockMonitor subclass, through `setMockOptions`) that reads the
 * raw request struct first: there secret values still carry Pulumi's secret signature, which is how
 * the recorder knows which input paths are secret and redacts them.
 *
 * One program at a time per process: the Pulumi SDK keeps its state in a process-wide store.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor, MockCallArgs, MockResourceArgs, Mocks } from "@pulumi/pulumi/runtime/mocks";
import { mockCallResult, mockResourceState } from "./mock-outputs";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const resproto = require("@pulumi/pulumi/proto/resource_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const structproto = require("google-protobuf/google/protobuf/struct_pb");
// Internal to the SDK (marked @internal, so not in its typings): drains the RPC queue.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const REDACTED = "[secret]";
export const STACK_TYPE = "pulumi:pulumi:Stack";

/** One registered resource, as written to the synth JSON. */
export interface SynthResource {
    urn: string;
    type: string;
    name: string;
    /** URN of the parent resource (the stack for top-level resources). */
    parent?: string;
    /** URN of the explicit provider resource, when one was passed. */
    provider?: string;
    /** false for ComponentResources (and the stack). */
    custom: boolean;
    /** Inputs as the engine would receive them; secret values replaced by "[secret]". */
    inputs: Record<string, unknown>;
    /** Dotted paths (e.g. `environment[2].value`) of the inputs that are secret. */
    secretPaths: string[];
    /** URNs this resource depends on (explicit dependsOn and input dependencies). */
    dependencies: string[];
    /** Aliases passed in resource options (URNs or alias specs), for rename/move tracking. */
    aliases: unknown[];
    /** `ignoreChanges` resource option (property paths; `*` = every input). */
    ignoreChanges: string[];
    /** `retainOnDelete` resource option: the engine forgets the resource instead of deleting it. */
    retainOnDelete: boolean;
    /** `protect` resource option. */
    protect: boolean;
    /**
     * Per input property, the URNs its value came from (only with `recordForReplay`, only
     * properties that have any): what the bare-SDK benchmark replay wires back up.
     */
    propertyDependencies?: Record<string, string[]>;
    /** `additionalSecretOutputs` resource option (only with `recordForReplay`, only when set). */
    additionalSecretOutputs?: string[];
}

/** The JSON shape of `npm run synth`. Stable: tests, policies and the PR diff read it. */
export interface SynthResult {
    project: string;
    stack: string;
    resources: SynthResource[];
    /** Stack outputs, secret values redacted. */
    outputs: Record<string, unknown>;
    /** Paths of stack outputs that are secret. */
    secretOutputs: string[];
}

export interface SynthOptions {
    project: string;
    stack: string;
    /** Fully qualified config (`agogsaas:zone`, `aws:region`) as plain strings, like `PULUMI_CONFIG`. */
    config?: Record<string, string>;
    /** Config keys that are secret. */
    secretKeys?: string[];
    /** Run as `pulumi preview` (unknown outputs) rather than `pulumi up`. */
    preview?: boolean;
    /** Override or extend the default fake outputs per resource/call. */
    mocks?: Partial<Mocks>;
    /** The program. Its return value becomes the stack outputs. */
    program: () => unknown;
    /**
     * Record what the benchmark's bare-SDK replay needs to register the same thing (default false:
     * the synth output stays as it is): each resource's `propertyDependencies` and
     * `additionalSecretOutputs`, and secret values instead of REDACTED (the replay must register
     * inputs of the same size). Never for output people read.
     */
    recordForReplay?: boolean;
}

/** Thrown by {@link synthesize} when the program fails; carries what was registered before it failed. */
export class SynthError extends Error {
    constructor(public readonly cause: unknown, public readonly partial: SynthResult) {
        super(cause instanceof Error ? cause.message : String(cause));
        this.name = "SynthError";
    }
}

type RawStruct = { toJavaScript(): Record<string, unknown> } | undefined;

/**
 * Walks a raw (serialised) property value, unwrapping secrets and recording their paths. A secret
 * becomes REDACTED, or with `keepSecrets` its own value (only for the benchmark's replay:
 * `recordForReplay`).
 */
export function unwrapSerialised(value: unknown, path: string, secretPaths: string[], keepSecrets = false): unknown {
    if (Array.isArray(value)) return value.map((item, i) => unwrapSerialised(item, `${path}[${i}]`, secretPaths, keepSecrets));
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG) {
            secretPaths.push(path);
            // Secrets inside a secret are covered by its path.
            return keepSecrets ? unwrapSerialised(obj.value, path, [], true) : REDACTED;
        }
        if (obj[SIG_KEY] === RESOURCE_SIG) {
            return { resourceUrn: obj.urn, ...(obj.id !== undefined ? { id: unwrapSerialised(obj.id, `${path}.id`, secretPaths, keepSecrets) } : {}) };
        }
        const out: Record<string, unknown> = {};
        for (const [key, inner] of Object.entries(obj)) {
            out[key] = unwrapSerialised(inner, path ? `${path}.${key}` : key, secretPaths, keepSecrets);
        }
        return out;
    }
    if (value === "04da6b54-80e4-46f7-96ec-b56ff0331ba9") return "[unknown]";
    return value;
}

function providerUrn(ref: string): string | undefined {
    if (!ref) return undefined;
    const sep = ref.lastIndexOf("::");
    return sep > 0 ? ref.slice(0, sep) : ref;
}

/**
 * The URN the engine gives: the parent's type qualifies the child's, except for the root
 * stack, whose children are `urn:pulumi:<stack>::<project>::<type>::<name>`. (The SDK's mock
 * monitor prefixes `pulumi:pulumi:Stack$`; `pulumi preview --json` showed the difference,
 * test/engine/synth-agrees.test.ts keeps the two equal.)
 */
function engineUrn(parent: string | undefined, type: string, name: string): string {
    const parentType = parent ? parent.split("::")[2].split("$").pop() : undefined;
    const qualified = parentType && parentType !== STACK_TYPE ? `${parentType}$${type}` : type;
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

class RecordingMonitor extends MockMonitor {
    public readonly recorded: SynthResource[] = [];

    constructor(mocks: Mocks, private readonly forReplay: boolean) {
        super(mocks);
        // Replaces the base class's (private) newUrn, which registerResource and readResource call.
        (this as unknown as { newUrn: typeof engineUrn }).newUrn = engineUrn;
    }


    private static propertyDependencies(req: any): Record<string, string[]> | undefined {
        const deps: Record<string, string[]> = {};
        (req.getPropertydependenciesMap?.() as { forEach(f: (value: { getUrnsList(): string[] }, key: string) => void): void } | undefined)?.forEach((value, key) => {
            const urns = value.getUrnsList();
            if (urns.length > 0) deps[key] = urns;
        });
        return Object.keys(deps).length > 0 ? deps : undefined;
    }

    private record(req: any, urn: string): void {
        const secretPaths: string[] = [];
        const raw = (req.getObject() as RawStruct)?.toJavaScript() ?? {};
        const inputs = unwrapSerialised(raw, "", secretPaths, this.forReplay) as Record<string, unknown>;
        const parent: string = req.getParent();
        this.recorded.push({
            urn,
            type: req.getType(),
            name: req.getName(),
            parent: parent || undefined,
            provider: providerUrn(req.getProvider()),
            custom: req.getCustom(),
            inputs,
            secretPaths,
            dependencies: req.getDependenciesList(),
            aliases: (req.getAliasesList?.() ?? []).map((a: any) => (typeof a?.toObject === "function" ? a.toObject() : a)),
            ignoreChanges: req.getIgnorechangesList?.() ?? [],
            retainOnDelete: req.getRetainondelete?.() === true,
            protect: req.getProtect?.() === true,
            ...(this.forReplay ? {
                propertyDependencies: RecordingMonitor.propertyDependencies(req),
                additionalSecretOutputs: req.getAdditionalsecretoutputsList().length > 0 ? req.getAdditionalsecretoutputsList() : undefined,
            } : {}),
        });
    }

    /**
     * As MockMonitor.registerResource, plus what the engine does with `additionalSecretOutputs`
     * (RandomPassword.result, for example): those outputs come back as secrets.
     */
    override async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        try {
            const result = await this.mocks.newResource({
                type: req.getType(),
                name: req.getName(),
                inputs: pulumi.runtime.deserializeProperties(req.getObject()),
                provider: req.getProvider(),
                custom: req.getCustom(),
                id: req.getImportid(),
            });
            const secretOutputs: string[] = req.getAdditionalsecretoutputsList();
            const state: Record<string, unknown> = { ...result.state };
            for (const key of secretOutputs) {
                if (key in state) state[key] = { [SIG_KEY]: SECRET_SIG, value: state[key] };
            }
            const urn = engineUrn(req.getParent(), req.getType(), req.getName());
            const serialised = await pulumi.runtime.serializeProperties("", state);
            this.resources.set(urn, { urn, id: result.id ?? null, state: serialised });
            const response = new resproto.RegisterResourceResponse();
            response.setUrn(urn);
            response.setId(result.id || "");
            response.setObject(structproto.Struct.fromJavaScript(serialised));
            this.record(req, urn);
            callback(null, response);
        } catch (err) {
            callback(err, undefined);
        }
    }

    /** The stack's outputs arrive as raw struct too; keep them for the synth result. */
    public stackOutputs: { outputs: Record<string, unknown>; secretOutputs: string[] } = { outputs: {}, secretOutputs: [] };

    override registerResourceOutputs(req: any, callback: (err: any, response: any) => void): void {
        const urn: string = req.getUrn();
        if (urn.includes(`::${STACK_TYPE}::`)) {
            const secretOutputs: string[] = [];
            const raw = (req.getOutputs() as RawStruct)?.toJavaScript() ?? {};
            this.stackOutputs = { outputs: unwrapSerialised(raw, "", secretOutputs, this.forReplay) as Record<string, unknown>, secretOutputs };
        }
        super.registerResourceOutputs(req, callback);
    }
}

function defaultMocks(overrides: Partial<Mocks> | undefined, config: Readonly<Record<string, string>>): Mocks {
    return {
        newResource: (args: MockResourceArgs) =>
            overrides?.newResource?.(args) ?? { id: `${args.name}-id`, state: mockResourceState(args, config) },
        call: (args: MockCallArgs) => overrides?.call?.(args) ?? mockCallResult(args),
    };
}

/**
 * Runs `options.program` as a stack under the mock runtime and returns every registered resource.
 * Throws {@link SynthError} (with the partial graph) when the program throws.
 */
export async function synthesize(options: SynthOptions): Promise<SynthResult> {
    const config = options.config ?? {};
    const monitor = new RecordingMonitor(defaultMocks(options.mocks, config), options.recordForReplay === true);
    // What setMocks does, but with our recording monitor.
    pulumi.runtime.setMockOptions(monitor, options.project, options.stack, options.preview ?? false);
    enableMockFeatures();
    pulumi.runtime.setAllConfig(config, options.secretKeys ?? []);

    const result = (): SynthResult => ({
        project: options.project,
        stack: options.stack,
        resources: monitor.recorded.filter((r) => r.type !== STACK_TYPE),
        outputs: monitor.stackOutputs.outputs,
        secretOutputs: monitor.stackOutputs.secretOutputs,
    });

    try {
        await pulumi.runtime.runInPulumiStack(async () => (await options.program()) as any);
        await waitForRPCs();
    } catch (err) {
        await waitForRPCs().catch(() => undefined);
        throw new SynthError(err, result());
    }
    return result();
}

/** The features `setMocks` turns on (mirrors @pulumi/pulumi runtime/mocks.js); `setMockOptions` alone resets them. */
function enableMockFeatures(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const state = require("@pulumi/pulumi/runtime/state");
    const store = state.getStore();
    store.supportsSecrets = true;
    store.supportsResourceReferences = true;
    store.supportsOutputValues = false;
    store.supportsDeletedWith = true;
    store.supportsReplaceWith = true;
    store.supportsAliasSpecs = true;
    store.supportsTransforms = false;
    store.supportsParameterization = true;
    store.supportsResourceHooks = true;
    store.supportsErrorHooks = true;
}
