/**
 * Edge hardware tiers and what each container may use on them. One table, so the docs, the
 * component and the tests read the same numbers.
 *
 * The budgets leave about a third of the machine to the OS, Docker, page cache beyond
 * PostgreSQL's own and bursts: an edge computer that swaps stops the factory floor.
 */

/** The seed hardware: Intel NUC 16 GB, Dell OptiPlex 32 GB, custom server 64 GB. */
export type EdgeSizeTier = "small" | "medium" | "large";

export const EDGE_SIZE_TIERS: readonly EdgeSizeTier[] = ["small", "medium", "large"];

/** Memory (MiB, Docker's `memory`) and CPU (`cpus`, a decimal string) limit of one container. */
export interface ContainerLimits {
    readonly memoryMb: number;
    readonly cpus: string;
}

/** The containers of an edge site: the four services, and the backup and off-site copy containers (docs/edge.md, "Backups"). */
export type EdgeContainer = "postgres" | "backend" | "nats" | "healthMonitor" | "backup" | "offsite";

export const EDGE_CONTAINERS: readonly EdgeContainer[] = ["postgres", "backend", "nats", "healthMonitor", "backup", "offsite"];

export interface EdgeSizeSpec {
    /** The reference machine, for docs and messages. */
    readonly hardware: string;
    /** RAM of the reference machine, GiB. */
    readonly hostMemoryGb: number;
    /** CPU threads of the reference machine. */
    readonly hostCpus: number;
    /** Per-container limits. */
    readonly limits: Readonly<Record<EdgeContainer, ContainerLimits>>;
    /**
     * Upper bound of WAL kept for a replication slot whose subscriber (the region) is away, GiB.
     * Past it the slot is invalidated (`wal_status = lost`) and the region's subscription needs a
     * rebuild with a full copy; without it an outage of weeks would fill the disk and stop the
     * factory. Sized to a few percent of the tier's disk (512 GB / 1 TB / 2 TB).
     */
    readonly maxSlotWalKeepSizeGb: number;
}

/** Size tier table (see docs/edge.md). */
export const EDGE_SIZES: Readonly<Record<EdgeSizeTier, EdgeSizeSpec>> = {
    small: {
        hardware: "Intel NUC, 16 GB RAM, 512 GB SSD",
        hostMemoryGb: 16,
        hostCpus: 4,
        limits: {
            postgres: { memoryMb: 6144, cpus: "2" },
            backend: { memoryMb: 2048, cpus: "1" },
            nats: { memoryMb: 1024, cpus: "0.5" },
            healthMonitor: { memoryMb: 256, cpus: "0.25" },
            // pg_basebackup and rclone are I/O-bound; small CPU shares keep the NUC within its 4 threads.
            backup: { memoryMb: 256, cpus: "0.125" },
            offsite: { memoryMb: 256, cpus: "0.125" },
        },
        maxSlotWalKeepSizeGb: 16,
    },
    medium: {
        hardware: "Dell OptiPlex, 32 GB RAM, 1 TB SSD",
        hostMemoryGb: 32,
        hostCpus: 8,
        limits: {
            postgres: { memoryMb: 14336, cpus: "4" },
            backend: { memoryMb: 4096, cpus: "2" },
            nats: { memoryMb: 2048, cpus: "1" },
            healthMonitor: { memoryMb: 256, cpus: "0.25" },
            backup: { memoryMb: 512, cpus: "0.25" },
            offsite: { memoryMb: 256, cpus: "0.25" },
        },
        maxSlotWalKeepSizeGb: 32,
    },
    large: {
        hardware: "Custom server, 64 GB RAM, 2 TB NVMe",
        hostMemoryGb: 64,
        hostCpus: 16,
        limits: {
            postgres: { memoryMb: 32768, cpus: "8" },
            backend: { memoryMb: 8192, cpus: "4" },
            nats: { memoryMb: 4096, cpus: "2" },
            healthMonitor: { memoryMb: 512, cpus: "0.5" },
            backup: { memoryMb: 512, cpus: "0.5" },
            offsite: { memoryMb: 512, cpus: "0.5" },
        },
        maxSlotWalKeepSizeGb: 64,
    },
};

/** PostgreSQL memory settings derived from the container's limit (the usual 25 % / 75 % rule). */
export function postgresMemorySettings(limits: ContainerLimits): Record<string, string> {
    return {
        shared_buffers: `${Math.floor(limits.memoryMb / 4)}MB`,
        effective_cache_size: `${Math.floor((limits.memoryMb * 3) / 4)}MB`,
        maintenance_work_mem: `${Math.min(2048, Math.floor(limits.memoryMb / 16))}MB`,
    };
}

/** Total memory the tier's containers may take, MiB (tests keep it under the machine's RAM). */
export function totalMemoryMb(spec: EdgeSizeSpec): number {
    return EDGE_CONTAINERS.reduce((sum, c) => sum + spec.limits[c].memoryMb, 0);
}
