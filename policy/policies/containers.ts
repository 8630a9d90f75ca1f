/**
 * Advisory workload hygiene: images pinned to a version or digest (never `latest` or no tag), and
 * containers that run as non-root with CPU and memory limits. Advisory because vendor images
 * (PostgreSQL, NATS) start as root by design; the finding still shows up in every preview.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, hasContainers } from "../lib/workloads";

/** Why an image reference is not pinned, or undefined when it is. */
export function unpinnedReason(image: string): string | undefined {
    if (image.includes("@sha256:")) return undefined;
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    if (colon < 0) return "has no tag (resolves to latest)";
    const tag = lastSegment.slice(colon + 1);
    return tag === "latest" || tag === "" ? "uses the `latest` tag" : undefined;
}

export const containerPolicies: ResourceValidationPolicy[] = [
    {
        name: "container-images-pinned",
        description: "Container images are pinned to a version tag or digest, never `latest`.",
        enforcementLevel: "advisory",
        remediationSteps: "Use an explicit version (postgres:16.6-alpine) or a digest (image@sha256:...).",
        validateResource: (args, reportViolation) => {
            if (!hasContainers(args.type)) return args.notApplicable("no containers");
            for (const container of containersOf(args.type, args.props)) {
                if (container.image === undefined) continue;
                const reason = unpinnedReason(container.image);
                if (reason !== undefined) reportViolation(`${container.label}: image "${container.image}" ${reason}`);
            }
        },
    },
    {
        name: "containers-non-root-with-limits",
        description: "Containers run as non-root and have CPU and memory limits.",
        enforcementLevel: "advisory",
        remediationSteps:
            "Kubernetes: securityContext.runAsNonRoot: true and resources.limits.{cpu,memory}. Docker: `user` and `memory`/`cpus`.",
        validateResource: (args, reportViolation) => {
            if (!hasContainers(args.type)) return args.notApplicable("no containers");
            for (const container of containersOf(args.type, args.props)) {
                const missing = [
                    container.runsAsNonRoot !== true ? "non-root user" : undefined,
                    container.hasCpuLimit ? undefined : "CPU limit",
                    container.hasMemoryLimit ? undefined : "memory limit",
                ].filter((m): m is string => m !== undefined);
                if (missing.length > 0) reportViolation(`${container.label}: missing ${missing.join(", ")}`);
            }
        },
    },
];
