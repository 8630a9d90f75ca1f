/**
 * Validates every Kubernetes object a synthesized program registers against the Kubernetes
 * OpenAPI schema, with `kubernetes-models` (one model per apiVersion/kind).
 *
 * Generic: give it a SynthResult (or a list of SynthResources); it picks the `kubernetes:*`
 * resources that are Kubernetes objects (not providers, Helm releases or custom resources without
 * a model), validates each one's inputs by its apiVersion and kind, and returns the problems.
 *
 * Secret and unknown input values ("[secret]", "[unknown]") cannot be checked: they are removed
 * before validation and listed per object as `unchecked`. Note that the upstream schemas allow
 * unknown fields, so misspelt field names are caught by TypeScript (the SDK's input types), not here.
 */
import type { SynthResult } from "../../tools/synth/mock-runtime";
import { REDACTED } from "../../tools/synth/mock-runtime";

const UNKNOWN = "[unknown]";

/** Types under `kubernetes:` that are not Kubernetes API objects. */
const NOT_OBJECTS = [/^pulumi:providers:kubernetes$/, /^kubernetes:helm\.sh\//, /^kubernetes:yaml(\/v2)?:/, /^kubernetes:kustomize(\/v2)?:/];

export interface K8sSchemaProblem {
    urn: string;
    name: string;
    apiVersion: string;
    kind: string;
    /** One line per schema violation: `/spec/replicas must be integer`. */
    messages: string[];
}

export interface K8sSchemaReport {
    /** Objects validated against a schema. */
    checked: Array<{ urn: string; apiVersion: string; kind: string; unchecked: string[] }>;
    /** Objects with schema violations (empty when everything is valid). */
    errors: K8sSchemaProblem[];
    /** Kubernetes resources with no schema here (custom resources such as PrometheusRule), and why. */
    skipped: Array<{ urn: string; type: string; reason: string }>;
}

/** The part of a SynthResource this needs; the `npm run synth` JSON rows fit too. */
export interface KubernetesResourceLike {
    urn?: string;
    type: string;
    name: string;
    /** false for components; absent in the synth JSON (treated as custom). */
    custom?: boolean;
    inputs: Record<string, unknown>;
}

type ModelClass = new (data: unknown) => { validate(): void };

/** `apps/v1` + `Deployment` -> the kubernetes-models class, or undefined when there is none. */
export function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
    // Module layout: `kubernetes-models/<group>/<version>/<Kind>`; the core group is just `v1`.
    if (!/^[a-z0-9.-]+(\/[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Za-z0-9]+$/.test(kind)) return undefined;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const module = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, ModelClass>;
        return module[kind];
    } catch {
        return undefined;
    }
}

/** Deep copy of `value` without the leaves that are redacted secrets or unknowns; their paths go to `removed`. */
function withoutOpaque(value: unknown, path: string, removed: string[]): unknown {
    if (value === REDACTED || value === UNKNOWN) {
        removed.push(path || "(root)");
        return undefined;
    }
    if (Array.isArray(value)) return value.map((item, i) => withoutOpaque(item, `${path}[${i}]`, removed));
    if (value !== null && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
            const cleaned = withoutOpaque(inner, path ? `${path}.${key}` : key, removed);
            if (cleaned !== undefined) out[key] = cleaned;
        }
        return out;
    }
    return value;
}

/** Validates one Kubernetes object (plain manifest). Returns schema messages, empty when valid. */
export function validateKubernetesObject(object: Record<string, unknown>): string[] {
    const apiVersion = String(object.apiVersion ?? "");
    const kind = String(object.kind ?? "");
    const Model = modelFor(apiVersion, kind);
    if (!Model) return [`no schema for apiVersion "${apiVersion}" kind "${kind}"`];
    try {
        new Model(object).validate();
        return [];
    } catch (err) {
        const errors = (err as { errors?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }> }).errors;
        if (!Array.isArray(errors)) return [String((err as Error).message ?? err)];
        return errors.map((e) => {
            const missing = e.params && "missingProperty" in e.params ? ` (${String(e.params.missingProperty)})` : "";
            return `${e.instancePath || "/"} ${e.message ?? "is invalid"}${missing}`;
        });
    }
}

/** Validates every Kubernetes object in a synth result against its schema. */
export function validateKubernetesResources(input: SynthResult | { resources: KubernetesResourceLike[] } | KubernetesResourceLike[]): K8sSchemaReport {
    const resources: KubernetesResourceLike[] = Array.isArray(input) ? input : input.resources;
    const report: K8sSchemaReport = { checked: [], errors: [], skipped: [] };
    for (const resource of resources) {
        if (!resource.type.startsWith("kubernetes:") || resource.custom === false) continue;
        if (NOT_OBJECTS.some((pattern) => pattern.test(resource.type))) continue;
        const apiVersion = String(resource.inputs.apiVersion ?? "");
        const kind = String(resource.inputs.kind ?? "");
        if (!modelFor(apiVersion, kind)) {
            report.skipped.push({ urn: resource.urn ?? resource.name, type: resource.type, reason: `no kubernetes-models schema for ${apiVersion} ${kind}` });
            continue;
        }
        const unchecked: string[] = [];
        const object = withoutOpaque(resource.inputs, "", unchecked) as Record<string, unknown>;
        const messages = validateKubernetesObject(object);
        report.checked.push({ urn: resource.urn ?? resource.name, apiVersion, kind, unchecked });
        if (messages.length > 0) report.errors.push({ urn: resource.urn ?? resource.name, name: resource.name, apiVersion, kind, messages });
    }
    return report;
}

/** Formats a report's errors for an assertion message. */
export function formatSchemaErrors(report: K8sSchemaReport): string {
    return report.errors.map((e) => `${e.kind} ${e.name} (${e.apiVersion}):\n  ${e.messages.join("\n  ")}`).join("\n");
}
