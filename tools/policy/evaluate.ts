/**
 * Offline CrossGuard: runs the policy pack's policies over a synthesized resource graph the way
 * the Pulumi engine's analyzer does (see @pulumi/policy server.js), without the CLI:
 * - resource policies get `ResourceValidationArgs` per resource: type, props (inputs; values
 *   unknown during preview throw on access exactly as in the engine's proxy), urn, name, opts,
 *   the provider with its props (explicit provider resources from the graph; default providers
 *   built from the stack config, as the engine does), getConfig, isType, asType, notApplicable;
 * - stack policies get every resource with parent and dependencies resolved;
 * - enforcement: the policy config's level, else the policy's, else the pack's; `remediate`
 *   runs the remediation first, then validates as mandatory; `disabled` skips;
 * - config: per policy (or `all` for the level), schema defaults applied and `required`/`enum`
 *   checked, as `--policy-pack-config` is.
 * An UnknownValueError is not a violation: like the engine, it is reported as "can't run during
 * preview" (here: in `deferred`).
 */
import type {
    EnforcementLevel, Policies, Policy, PolicyConfigSchema, PolicyProviderResource, PolicyResource,
    PolicyResourceOptions, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy,
} from "@pulumi/policy";
import type { SynthResource, SynthResult } from "../synth/mock-runtime";
import { policyProxy } from "../../policy/lib/props";

/** The marker the synth uses for a value unknown during preview. */
export const SYNTH_UNKNOWN = "[unknown]";

export type ReportedLevel = "advisory" | "mandatory";

export interface Violation {
    policy: string;
    enforcementLevel: ReportedLevel;
    message: string;
    /** The resource at fault; undefined for a violation of the stack as a whole. */
    urn?: string;
    name?: string;
    type?: string;
}

/** A policy that could not run on a resource because a value is unknown until the update. */
export interface Deferred {
    policy: string;
    urn?: string;
    message: string;
}

export interface Remediation {
    policy: string;
    urn: string;
    /** The properties after remediation (what the engine would send to the provider). */
    props: Record<string, unknown>;
}

export interface EvaluationResult {
    violations: Violation[];
    deferred: Deferred[];
    remediations: Remediation[];
}

/** Per policy: a level, or config properties plus an optional level (as `--policy-pack-config`). */
export type PolicyConfigFile = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

export interface EvaluateOptions {
    /** The policies to run; default the pack's (policy/pack.ts). */
    policies?: Policies;
    /** The pack's default level; default the pack's. */
    packEnforcementLevel?: EnforcementLevel;
    /** Policy config, as the JSON file given to `--policy-pack-config`. */
    policyConfig?: PolicyConfigFile;
    /** Convenience: sets `zone` for every policy whose schema has a `zone` property. */
    zone?: string;
    /** Stack config (fully qualified keys, e.g. `aws:region`) used for default providers. */
    stackConfig?: Record<string, string>;
}

class NotApplicable extends Error {}

class PolicyConfigError extends Error {
    constructor(policy: string, problem: string) {
        super(`policy config of ${policy}: ${problem}`);
        this.name = "PolicyConfigError";
    }
}

/** Replaces the synth's "[unknown]" markers by the engine's unknown sentinel. */
function toEngineValue(value: unknown): unknown {
    if (value === SYNTH_UNKNOWN) return policyProxy.unknownStringValue;
    if (Array.isArray(value)) return value.map(toEngineValue);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toEngineValue(v)]));
    }
    return value;
}

function engineProps(inputs: Record<string, unknown>): Record<string, any> {
    return policyProxy.unknownCheckingProxy(toEngineValue(inputs) as Record<string, any>);
}

/** `isType` as the SDK does it: by the class's `__pulumiType`, else its `isInstance`. */
function isTypeOf(type: string, resourceClass: any): boolean {
    const pulumiType = resourceClass?.__pulumiType;
    if (typeof pulumiType === "string" && pulumiType.length > 0) return type === pulumiType;
    return typeof resourceClass?.isInstance === "function" && resourceClass.isInstance({ __pulumiType: type }) === true;
}

function isResourcePolicy(p: Policy): p is ResourceValidationPolicy {
    const v = (p as ResourceValidationPolicy).validateResource;
    return typeof v === "function" || Array.isArray(v) || typeof (p as ResourceValidationPolicy).remediateResource === "function";
}

function isStackPolicy(p: Policy): p is StackValidationPolicy {
    return typeof (p as StackValidationPolicy).validateStack === "function";
}

function pulumiTypeOf(fn: unknown): string | undefined {
    const t = (fn as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    return typeof t === "string" && t.length > 0 ? t : undefined;
}

function isPolicyProviderType(type: string): boolean {
    return type.startsWith("pulumi:providers:");
}

/** The package a resource's provider serves (`aws` for `aws:s3/bucket:Bucket`). */
function packageOf(type: string): string {
    return type.split(":")[0];
}

/** Resolves config for one policy: file entry + `zone` shortcut, schema defaults, checks. */
function resolveConfig(policy: Policy, options: EvaluateOptions): { level?: EnforcementLevel; config: Record<string, unknown> } {
    const file = options.policyConfig ?? {};
    const entry = file[policy.name];
    const all = file.all;
    const level = (typeof entry === "string" ? entry : entry?.enforcementLevel) ?? (typeof all === "string" ? all : all?.enforcementLevel);
    const config: Record<string, unknown> = {};
    const schema: PolicyConfigSchema | undefined = policy.configSchema;
    for (const [key, prop] of Object.entries(schema?.properties ?? {})) {
        if (prop.default !== undefined) config[key] = prop.default;
    }
    if (options.zone !== undefined && schema?.properties.zone !== undefined) config.zone = options.zone;
    if (entry !== undefined && typeof entry !== "string") {
        for (const [key, value] of Object.entries(entry)) if (key !== "enforcementLevel") config[key] = value;
    }
    for (const key of schema?.required ?? []) {
        if (config[key] === undefined) throw new PolicyConfigError(policy.name, `"${key}" is required`);
    }
    for (const [key, value] of Object.entries(config)) {
        const allowed = schema?.properties[key]?.enum;
        if (allowed !== undefined && !allowed.includes(value as never)) {
            throw new PolicyConfigError(policy.name, `"${key}" is ${JSON.stringify(value)}; allowed: ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
        }
    }
    return { level, config };
}

interface PreparedPolicy {
    policy: Policy;
    level: EnforcementLevel;
    config: Record<string, unknown>;
}

/** The graph as the engine sees it: providers by URN, default providers per package. */
class Graph {
    private readonly byUrn = new Map<string, SynthResource>();
    private readonly defaultProviders = new Map<string, PolicyProviderResource>();

    constructor(private readonly synth: SynthResult, private readonly stackConfig: Record<string, string>) {
        for (const r of synth.resources) this.byUrn.set(r.urn, r);
    }

    resource(urn: string): SynthResource | undefined {
        return this.byUrn.get(urn);
    }

    providerOf(resource: SynthResource): PolicyProviderResource | undefined {
        if (!resource.custom || isPolicyProviderType(resource.type)) return undefined;
        if (resource.provider) {
            const p = this.byUrn.get(resource.provider);
            if (p) return { type: p.type, name: p.name, urn: p.urn, props: engineProps(p.inputs) };
        }
        return this.defaultProvider(packageOf(resource.type));
    }

    /** As the engine's default provider: `pulumi:providers:<pkg>` configured from `<pkg>:*` stack config. */
    private defaultProvider(pkg: string): PolicyProviderResource {
        let provider = this.defaultProviders.get(pkg);
        if (provider === undefined) {
            const props: Record<string, unknown> = {};
            for (const [key, value] of Object.entries(this.stackConfig)) {
                if (key.startsWith(`${pkg}:`)) props[key.slice(pkg.length + 1)] = value;
            }
            const type = `pulumi:providers:${pkg}`;
            provider = {
                type,
                name: "default",
                urn: `urn:pulumi:${this.synth.stack}::${this.synth.project}::${type}::default`,
                props: engineProps(props),
            };
            this.defaultProviders.set(pkg, provider);
        }
        return provider;
    }
}

function optionsOf(resource: SynthResource): PolicyResourceOptions {
    const extra = resource as SynthResource & { protect?: boolean; ignoreChanges?: string[] };
    return {
        protect: extra.protect === true,
        ignoreChanges: extra.ignoreChanges ?? [],
        aliases: (resource.aliases ?? []).filter((a): a is string => typeof a === "string"),
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(resource.parent ? { parent: resource.parent } : {}),
    };
}

const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

function isUnknownError(err: unknown): err is Error {
    return err instanceof policyProxy.UnknownValueError;
}

/** Runs one resource's remediations (level `remediate`) in order, as the engine's Remediate call. */
async function remediate(
    resource: SynthResource, props: Record<string, any>, prepared: PreparedPolicy[], graph: Graph, result: EvaluationResult,
): Promise<Record<string, any>> {
    let current = props;
    for (const { policy, level, config } of prepared) {
        if (level !== "remediate" || !isResourcePolicy(policy) || !policy.remediateResource) continue;
        const type = pulumiTypeOf(policy.remediateResource);
        if (type !== undefined && type !== resource.type) continue;
        try {
            const out = await policy.remediateResource(resourceArgs(resource, current, graph, config));
            if (out) {
                current = engineProps(JSON.parse(JSON.stringify(out)));
                result.remediations.push({ policy: policy.name, urn: resource.urn, props: JSON.parse(JSON.stringify(out)) });
            }
        } catch (err) {
            if (err instanceof NotApplicable) continue;
            if (isUnknownError(err)) {
                result.deferred.push({ policy: policy.name, urn: resource.urn, message: `can't run remediation during preview: ${err.message}` });
                continue;
            }
            throw new Error(`remediation ${policy.name} failed on ${resource.urn}: ${(err as Error).message}`);
        }
    }
    return current;
}

function resourceArgs(resource: SynthResource, props: Record<string, any>, graph: Graph, config: Record<string, unknown>): ResourceValidationArgs {
    const args: ResourceValidationArgs = {
        type: resource.type,
        props,
        urn: resource.urn,
        name: resource.name,
        opts: optionsOf(resource),
        stackTags: new Map<string, string>(),
        isType: (cls) => isTypeOf(resource.type, cls),
        asType: ((cls: any) => (isTypeOf(resource.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => ({ ...config }) as T,
        notApplicable,
    };
    const provider = graph.providerOf(resource);
    if (provider) args.provider = provider;
    return args;
}

function reportedLevel(level: EnforcementLevel): ReportedLevel {
    return level === "advisory" ? "advisory" : "mandatory";
}

async function validateResources(
    synth: SynthResult, prepared: PreparedPolicy[], graph: Graph, result: EvaluationResult,
): Promise<Map<string, Record<string, any>>> {
    const finalProps = new Map<string, Record<string, any>>();
    for (const resource of synth.resources) {
        const props = await remediate(resource, engineProps(resource.inputs), prepared, graph, result);
        finalProps.set(resource.urn, props);
        for (const { policy, level, config } of prepared) {
            if (!isResourcePolicy(policy) || !policy.validateResource) continue;
            if (!Array.isArray(policy.validateResource)) {
                const type = pulumiTypeOf(policy.validateResource);
                if (type !== undefined && type !== resource.type) continue;
            }
            const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
            for (const validate of validations) {
                const report = (message: string) =>
                    result.violations.push({
                        policy: policy.name, enforcementLevel: reportedLevel(level), message,
                        urn: resource.urn, name: resource.name, type: resource.type,
                    });
                try {
                    await validate(resourceArgs(resource, props, graph, config), report);
                } catch (err) {
                    if (err instanceof NotApplicable) continue;
                    if (isUnknownError(err)) {
                        result.deferred.push({ policy: policy.name, urn: resource.urn, message: `can't run during preview: ${err.message}` });
                        continue;
                    }
                    throw new Error(`policy ${policy.name} failed on ${resource.urn}: ${(err as Error).message}`);
                }
            }
        }
    }
    return finalProps;
}

function stackResources(synth: SynthResult, props: Map<string, Record<string, any>>, graph: Graph): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    for (const r of synth.resources) {
        const resourceProps = props.get(r.urn) ?? engineProps(r.inputs);
        const resource: PolicyResource = {
            type: r.type,
            props: resourceProps,
            urn: r.urn,
            name: r.name,
            opts: optionsOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(r.type, cls),
            asType: ((cls: any) => (isTypeOf(r.type, cls) ? resourceProps : undefined)) as PolicyResource["asType"],
        };
        const provider = graph.providerOf(r);
        if (provider) resource.provider = provider;
        byUrn.set(r.urn, resource);
    }
    for (const r of synth.resources) {
        const resource = byUrn.get(r.urn)!;
        if (r.parent && byUrn.has(r.parent)) resource.parent = byUrn.get(r.parent);
        resource.dependencies = r.dependencies.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => d !== undefined);
    }
    return [...byUrn.values()];
}

async function validateStack(
    synth: SynthResult, prepared: PreparedPolicy[], graph: Graph, props: Map<string, Record<string, any>>, result: EvaluationResult,
): Promise<void> {
    for (const { policy, level, config } of prepared) {
        if (!isStackPolicy(policy)) continue;
        const type = pulumiTypeOf(policy.validateStack);
        if (type !== undefined && !synth.resources.some((r) => r.type === type)) continue;
        const resources = stackResources(synth, props, graph);
        const args: StackValidationArgs = {
            resources,
            stackTags: new Map<string, string>(),
            getConfig: <T extends object>() => ({ ...config }) as T,
            notApplicable,
        };
        const report = (message: string, urn?: string) => {
            const resource = urn ? graph.resource(urn) : undefined;
            result.violations.push({
                policy: policy.name, enforcementLevel: reportedLevel(level), message,
                ...(urn ? { urn } : {}), ...(resource ? { name: resource.name, type: resource.type } : {}),
            });
        };
        try {
            await policy.validateStack(args, report);
        } catch (err) {
            if (err instanceof NotApplicable) continue;
            if (isUnknownError(err)) {
                result.deferred.push({ policy: policy.name, message: `can't run during preview: ${err.message}` });
                continue;
            }
            throw new Error(`stack policy ${policy.name} failed: ${(err as Error).message}`);
        }
    }
}

/** The pack's policies and default level, loaded lazily (the pack pulls in the sovereignty module). */
function defaultPack(): { policies: Policies; level: EnforcementLevel } {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { packArgs } = require("../../policy/pack") as typeof import("../../policy/pack");
    return { policies: packArgs.policies, level: packArgs.enforcementLevel ?? "advisory" };
}

/** Runs every resource and stack policy over `synth`. Throws on invalid policy config. */
export async function evaluatePolicies(synth: SynthResult, options: EvaluateOptions = {}): Promise<EvaluationResult> {
    const pack = options.policies ? { policies: options.policies, level: options.packEnforcementLevel ?? "advisory" } : defaultPack();
    const prepared: PreparedPolicy[] = [];
    for (const policy of pack.policies) {
        const { level, config } = resolveConfig(policy, options);
        const effective = level ?? policy.enforcementLevel ?? options.packEnforcementLevel ?? pack.level;
        if (effective !== "disabled") prepared.push({ policy, level: effective, config });
    }
    const graph = new Graph(synth, options.stackConfig ?? {});
    const result: EvaluationResult = { violations: [], deferred: [], remediations: [] };
    const props = await validateResources(synth, prepared, graph, result);
    await validateStack(synth, prepared, graph, props, result);
    return result;
}

export function mandatoryViolations(result: EvaluationResult): Violation[] {
    return result.violations.filter((v) => v.enforcementLevel === "mandatory");
}
