/**
 * Advisory: every Kubernetes namespace the stack creates has at least one NetworkPolicy. A policy
 * belongs to a namespace when its `metadata.namespace` names it or when it depends on the
 * Namespace resource (an auto-named namespace is only known after create).
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { asString, isRecord, whenKnown } from "../lib/props";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

function metadataOf(resource: PolicyResource): Record<string, any> {
    return whenKnown(() => (isRecord(resource.props.metadata) ? resource.props.metadata : {}), {});
}

function namespaceName(namespace: PolicyResource): string | undefined {
    return whenKnown(() => asString(metadataOf(namespace).name), undefined);
}

function policyNamespace(policy: PolicyResource): string | undefined {
    return whenKnown(() => asString(metadataOf(policy).namespace), undefined);
}

export const networkPolicyPolicies: StackValidationPolicy[] = [
    {
        name: "namespaces-have-network-policies",
        description: "Every Kubernetes namespace the stack creates has at least one NetworkPolicy.",
        enforcementLevel: "advisory",
        remediationSteps: "Add a default-deny NetworkPolicy plus the allow rules the namespace's workloads need.",
        validateStack: (args, reportViolation) => {
            const namespaces = args.resources.filter((r) => r.type === NAMESPACE);
            if (namespaces.length === 0) return args.notApplicable("no namespaces");
            const policies = args.resources.filter((r) => r.type === NETWORK_POLICY);
            for (const namespace of namespaces) {
                const name = namespaceName(namespace);
                const covered = policies.some(
                    (p) => (name !== undefined && policyNamespace(p) === name) || p.dependencies.some((d) => d.urn === namespace.urn)
                        || Object.values(p.propertyDependencies).some((deps) => deps.some((d) => d.urn === namespace.urn)),
                );
                if (!covered) reportViolation(`namespace ${name ?? namespace.name} has no NetworkPolicy`, namespace.urn);
            }
        },
    },
];
