/**
 * Pod and container security settings meeting the Kubernetes "restricted" Pod Security Standard:
 * non-root, no privilege escalation, all capabilities dropped, read-only root filesystem,
 * RuntimeDefault seccomp. Writable paths are emptyDir volumes.
 */
import type * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

export function restrictedPodSecurityContext(uid: number): PodSecurityContext {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

export function restrictedContainerSecurityContext(uid: number): SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
    };
}

/** emptyDir volumes and mounts for the paths a read-only container still needs to write. */
export function writableScratch(paths: readonly string[]): { volumes: Volume[]; mounts: VolumeMount[] } {
    const named = paths.map((path, i) => ({ path, name: `scratch-${i}` }));
    return {
        volumes: named.map(({ name }) => ({ name, emptyDir: { sizeLimit: "256Mi" } })),
        mounts: named.map(({ name, path }) => ({ name, mountPath: path })),
    };
}
