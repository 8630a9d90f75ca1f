/**
 * Mandatory: no secret in a plaintext container or pod environment variable. A secret-looking
 * variable (PASSWORD, TOKEN, SECRET, API_KEY, ...) must come from a Kubernetes Secret
 * (`valueFrom.secretKeyRef`) or, on Docker, a file (`POSTGRES_PASSWORD_FILE` plus an upload); a
 * URL with an embedded password is a secret under any name. Offline, the synth also marks secret
 * inputs, so a secret landing under an innocent name is caught there too.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { REDACTED_SECRET, hasEmbeddedCredentials, looksLikeSecretName } from "../lib/props";
import { EnvVar, containersOf, hasContainers } from "../lib/workloads";

/** Why an env var holds a plaintext secret, or undefined when it does not. */
export function plaintextSecretReason(env: EnvVar): string | undefined {
    if (env.fromReference || env.value === undefined || env.value === "") return undefined;
    if (env.value === REDACTED_SECRET) return "a secret value is written into it";
    if (looksLikeSecretName(env.name)) return "its name marks it as a secret but its value is plaintext";
    if (hasEmbeddedCredentials(env.value)) return "its value is a URL with an embedded password";
    return undefined;
}

export const envSecretPolicies: ResourceValidationPolicy[] = [
    {
        name: "no-plaintext-secret-env",
        description: "No secret in a plaintext container or pod environment variable.",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Kubernetes: use `valueFrom.secretKeyRef` to a Secret. Docker: mount the secret as a file (`uploads`) and " +
            "pass its path (`POSTGRES_PASSWORD_FILE=/run/secrets/...`).",
        validateResource: (args, reportViolation) => {
            if (!hasContainers(args.type)) return args.notApplicable("no containers");
            for (const container of containersOf(args.type, args.props)) {
                for (const env of container.env) {
                    const reason = plaintextSecretReason(env);
                    if (reason !== undefined) reportViolation(`${container.label}: env var ${env.name}: ${reason}`);
                }
            }
        },
    },
];
