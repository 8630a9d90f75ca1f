/**
 * The recommended `app.kubernetes.io/*` labels, in one place, so every object of the library is
 * labelled the same way (and the policy pack and dashboards can rely on them).
 */
import { DataClassification, residencyTags, Zone } from "../shared/sovereignty";

export const PART_OF = "agogsaas";

export interface AppLabelOptions {
    /** `app.kubernetes.io/name`: what the software is. Required. */
    name: string;
    /** `app.kubernetes.io/instance`: which deployment of it. Required. */
    instance: string;
    /** `app.kubernetes.io/component`, e.g. "server", "cache". Required. */
    component: string;
    /** `app.kubernetes.io/version`, when the object runs one version. Default: no version label. */
    version?: string;
    /** Residency labels for data-bearing objects. Default: none. */
    residency?: { zone: Zone; classification: DataClassification };
    /** Anything else (e.g. `color`). Default: none. */
    extra?: Record<string, string>;
}

/** Standard labels plus residency labels where the object holds data. */
export function appLabels(options: AppLabelOptions): Record<string, string> {
    return {
        "app.kubernetes.io/name": options.name,
        "app.kubernetes.io/instance": options.instance,
        "app.kubernetes.io/component": options.component,
        ...(options.version !== undefined ? { "app.kubernetes.io/version": options.version } : {}),
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
        ...(options.residency ? residencyTags(options.residency.zone, options.residency.classification) : {}),
        ...(options.extra ?? {}),
    };
}
