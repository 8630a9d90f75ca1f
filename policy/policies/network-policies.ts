/**
 * Advisory: every Kubernetes namespace the stack creates is fenced (docs/isolation.md):
 *
 * - a default-deny NetworkPolicy (every pod, Ingress and Egress, no rule), so traffic flows only
 *   where an explicit allow says;
 * - a Pod Security `enforce` label; below "restricted" only with an annotation saying why;
 * - a namespace labelled as a tenant's also has a ResourceQuota and a LimitRange.
 *
 * An object belongs to a namespace when its `metadata.namespace` names it or when it depends on
 * the Namespace resource (an auto-named namespace is only known after create). A Namespace whose
 * outputs are not known yet (no `kind`: a preview through a provider without preview support)
 * is skipped, not reported.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { asString, isRecord, whenKnown } from "../lib/props";
import {
    POD_SECURITY_ENFORCE_LABEL, POD_SECURITY_EXCEPTION_ANNOTATION, POD_SECURITY_LEVELS, TENANT_LABEL, isDefaultDeny,
} from "../../components/k8s/tenancy";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota";
const LIMIT_RANGE = "kubernetes:core/v1:LimitRange";

function metadataOf(resource: PolicyResource): Record<string, any> {
    return whenKnown(() => (isRecord(resource.props.metadata) ? resource.props.metadata : {}), {});
}

function stringMap(value: unknown): Record<string, string> {
    return whenKnown(() => (isRecord(value) ? Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === "string")) as Record<string, string> : {}), {});
}

function belongsTo(resource: PolicyResource, namespace: PolicyResource, name: string | undefined): boolean {
    const own = whenKnown(() => asString(metadataOf(resource).namespace), undefined);
    return (name !== undefined && own === name) || resource.dependencies.some((d) => d.urn === namespace.urn)
        || Object.values(resource.propertyDependencies).some((deps) => deps.some((d) => d.urn === namespace.urn));
}

/** What is missing from one namespace's fence, as phrases; empty when it is fenced. */
function fenceGaps(namespace: PolicyResource, name: string | undefined, resources: PolicyResource[]): string[] {
    const metadata = metadataOf(namespace);
    const inNamespace = (type: string) => resources.filter((r) => r.type === type && belongsTo(r, namespace, name));
    const gaps: string[] = [];

    // A spec unknown during preview is given the benefit of the doubt.
    const policies = inNamespace(NETWORK_POLICY);
    if (!policies.some((p) => whenKnown(() => isDefaultDeny(p.props.spec), true))) {
        gaps.push(policies.length === 0 ? "has no NetworkPolicy (a default-deny one is expected)" : "has NetworkPolicies but none denies by default (podSelector {}, policyTypes Ingress and Egress, no rules)");
    }

    const labels = stringMap(metadata.labels);
    const annotations = stringMap(metadata.annotations);
    const level = labels[POD_SECURITY_ENFORCE_LABEL];
    if (level === undefined) {
        gaps.push(`has no ${POD_SECURITY_ENFORCE_LABEL} label (restricted expected)`);
    } else if (!(POD_SECURITY_LEVELS as readonly string[]).includes(level)) {
        gaps.push(`has ${POD_SECURITY_ENFORCE_LABEL}=${JSON.stringify(level)}, not one of ${POD_SECURITY_LEVELS.join(", ")}`);
    } else if (level !== "restricted" && !(annotations[POD_SECURITY_EXCEPTION_ANNOTATION] ?? "").trim()) {
        gaps.push(`enforces Pod Security "${level}" without a ${POD_SECURITY_EXCEPTION_ANNOTATION} annotation saying why`);
    }

    if (labels[TENANT_LABEL] !== undefined) {
        if (inNamespace(RESOURCE_QUOTA).length === 0) gaps.push(`is a tenant namespace (${TENANT_LABEL}) without a ResourceQuota`);
        if (inNamespace(LIMIT_RANGE).length === 0) gaps.push(`is a tenant namespace (${TENANT_LABEL}) without a LimitRange`);
    }
    return gaps;
}

export const networkPolicyPolicies: StackValidationPolicy[] = [
    {
        name: "namespaces-isolated",
        description: "Every Kubernetes namespace the stack creates has a default-deny NetworkPolicy and a Pod Security enforce label (restricted, or an annotated exception); tenant namespaces also a ResourceQuota and a LimitRange.",
        enforcementLevel: "advisory",
        remediationSteps: "Fence the namespace with TenantIsolation (default-deny plus explicit allows, quota) and label it with podSecurityLabels(); see docs/isolation.md.",
        validateStack: (args, reportViolation) => {
            const namespaces = args.resources.filter((r) => r.type === NAMESPACE);
            if (namespaces.length === 0) return args.notApplicable("no namespaces");
            for (const namespace of namespaces) {
                // No kind: the provider has not given outputs yet (a preview through a provider without
                // preview support; every Kubernetes object's inputs and outputs carry it). Unknown is never a violation.
                if (whenKnown(() => namespace.props.kind === undefined, false)) continue;
                const name = whenKnown(() => asString(metadataOf(namespace).name), undefined);
                for (const gap of fenceGaps(namespace, name, args.resources)) reportViolation(`namespace ${name ?? namespace.name} ${gap}`, namespace.urn);
            }
        },
    },
];
