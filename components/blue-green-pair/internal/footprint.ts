/**
 * What a BlueGreenPair may ask of its namespace at its peak: every colour that runs at its HPA
 * ceiling plus the rolling update's surge, and each colour's cache. A namespace quota computed
 * from it admits every pod the pair can legitimately create and nothing beyond.
 */
import { ResourceFootprint } from "../../k8s/isolation";
import { cpuMillicores, memoryBytes } from "../../k8s/quantities";

/** Requests and limits of each colour's Redis cache container. */
export const CACHE_RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } } as const;

/** Share of replicas a rolling update may add (the Deployments' `maxSurge`). */
export const ROLLING_SURGE = 0.25;

/** What the footprint needs of a pair: its resolved settings (BlueGreenPair.settings fits). */
export interface FootprintTarget {
    colors: ReadonlyArray<{ replicas: number }>;
    autoscaling: { maxReplicas: number };
    resources: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string };
    redis: boolean;
}

function withSurge(replicas: number): number {
    return replicas === 0 ? 0 : replicas + Math.ceil(replicas * ROLLING_SURGE);
}

/** The pair's peak: running colours at maxReplicas (+ surge), parked colours at 0, caches (+ surge). */
export function blueGreenFootprint(pair: FootprintTarget): ResourceFootprint {
    const appPods = pair.colors.reduce((sum, c) => sum + withSurge(c.replicas === 0 ? 0 : pair.autoscaling.maxReplicas), 0);
    const cachePods = pair.redis ? pair.colors.length * withSurge(1) : 0;
    const r = pair.resources;
    const c = CACHE_RESOURCES;
    return {
        cpuRequestMillicores: appPods * cpuMillicores(r.cpuRequest) + cachePods * cpuMillicores(c.requests.cpu),
        memoryRequestBytes: appPods * memoryBytes(r.memoryRequest) + cachePods * memoryBytes(c.requests.memory),
        cpuLimitMillicores: appPods * cpuMillicores(r.cpuLimit) + cachePods * cpuMillicores(c.limits.cpu),
        memoryLimitBytes: appPods * memoryBytes(r.memoryLimit) + cachePods * memoryBytes(c.limits.memory),
        pods: appPods + cachePods,
    };
}
