/**
 * What makes a namespace fenced, shared by the TenantIsolation component and the policy pack
 * (which must not load @pulumi/kubernetes): Pod Security levels and labels, the tenant label,
 * the exception annotation and the shape of a default-deny NetworkPolicy.
 */

export const POD_SECURITY_LEVELS = ["restricted", "baseline", "privileged"] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];
/** The Pod Security admission label that decides what is refused. */
export const POD_SECURITY_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
/** Label that marks a namespace as a tenant's (the policy pack then also wants a quota and a LimitRange). */
export const TENANT_LABEL = "agogsaas.io/tenant";
/** Annotation that says why a namespace enforces less than "restricted" (the policy pack wants it). */
export const POD_SECURITY_EXCEPTION_ANNOTATION = "agogsaas.io/pod-security-exception";
/** Name of the default-deny NetworkPolicy TenantIsolation creates. */
export const DEFAULT_DENY_POLICY = "default-deny";

/**
 * Pod Security admission labels: `enforce` at `level`, `audit` and `warn` always at restricted
 * (so a relaxed namespace still reports what would break under restricted).
 */
export function podSecurityLabels(level: PodSecurityLevel = "restricted"): Record<string, string> {
    return {
        [POD_SECURITY_ENFORCE_LABEL]: level,
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
    };
}

/**
 * Whether a NetworkPolicy spec denies all traffic of every pod both ways: empty pod selector,
 * Ingress and Egress listed, no rule in either direction.
 */
export function isDefaultDeny(spec: unknown): boolean {
    if (spec === null || typeof spec !== "object") return false;
    const s = spec as { podSelector?: Record<string, unknown>; policyTypes?: unknown; ingress?: unknown[]; egress?: unknown[] };
    const selector = s.podSelector ?? {};
    const selectsAll = Object.values(selector).every((v) => v === undefined || (Array.isArray(v) ? v.length === 0 : typeof v === "object" && v !== null && Object.keys(v).length === 0));
    const types = Array.isArray(s.policyTypes) ? s.policyTypes : [];
    return selectsAll && types.includes("Ingress") && types.includes("Egress") && (s.ingress ?? []).length === 0 && (s.egress ?? []).length === 0;
}
