/**
 * PostgreSQL replication capacity, computed from the mesh topology instead of guessed.
 *
 * Every logical replication link costs, on the PUBLISHER, one replication slot and one WAL sender
 * while the subscriber is connected, and on the SUBSCRIBER one logical replication (apply) worker,
 * which is itself a background worker process. All four settings are postmaster-context: raising
 * them needs a server restart, so the formula also keeps spare links for facilities added later.
 *
 * For a server with `out` links published from it and `in` subscriptions applied on it:
 *
 * ```
 * sync      = initialSyncConcurrency × syncWorkersPerSubscription     table-sync during an initial copy
 * physSlots = physicalStandbys + backupStreams                        HA standby, pg_basebackup temp slot
 * physSend  = 2 × physicalStandbys + 2 × backupStreams                2 senders each (Azure HA; -X stream)
 *
 * max_replication_slots           = max(10, out + sync + physSlots)
 * max_wal_senders                 = max(10, out + sync + physSend)
 * max_logical_replication_workers = max(4,  in + sync + parallelApplyWorkers)
 * max_worker_processes            = max(8,  max_logical_replication_workers + 1 + BACKGROUND_WORKER_RESERVE)
 * max_sync_workers_per_subscription = syncWorkersPerSubscription
 * ```
 *
 * (the `+ 1` is the logical replication launcher; the floors are PostgreSQL's own defaults).
 *
 * A REGIONAL server with E edges, P peer regions, S spare facilities and b = 1 for a blue/green
 * pair (green kept in step from blue on the same server and back, both ends local):
 *
 * ```
 * out = (E + S)   master-data slots read by the edges' subscriptions
 *     + P         aggregate slots read by each peer region
 *     + 2b        blue→green and green→blue, published here
 * in  = (E + S)   edge→regional operational subscriptions applied here
 *     + P         aggregate subscriptions from each peer region
 *     + 2b        blue→green and green→blue, applied here
 * S   = spareFacilities, default max(2, ceil(E / 5))
 * ```
 *
 * With `colourSubscribers` c = 2 (both colours subscribe to every edge and peer directly, as the
 * stacks wire it): out = (E + S) + cP + 2b and in = c(E + S) + cP + 2b.
 *
 * With a `peeringDatabase` (p = 1; the stacks' wiring, peers or not), the aggregates go
 * to the peers from a database of their own on this server, fed from the anchor colour: one more
 * link each way. The peers' colours subscribe to it from their own stacks, so the cP slots are
 * still on this server (created with the peering login) and the cP apply workers are still here
 * for the peers' publications: out = (E + S) + cP + 2b + p and in = c(E + S) + cP + 2b + p.
 *
 * An EDGE server publishes operational data to its region (1 slot; `regionalSubscribers` when both
 * colours subscribe directly) and subscribes to master data (1 apply worker).
 *
 * Headroom that is exhausted does not lose data: a table-sync or parallel apply worker that finds
 * no free slot or worker waits and retries (or applies serially), so the reserves are bounded by
 * concurrency, not by the number of links.
 *
 * This module is pure (no Pulumi imports) so the ReplicationMesh validator, the stacks and the
 * docs can all use it.
 */
import { ValidationError } from "../shared/errors";

/** The numbers a PostgreSQL server needs for its share of the replication mesh. */
export interface ReplicationCapacity {
    /** `max_replication_slots`: logical slots published here + sync + physical slots. */
    readonly maxReplicationSlots: number;
    /** `max_wal_senders`: one per connected subscriber, table-sync, standby and backup stream. */
    readonly maxWalSenders: number;
    /** `max_logical_replication_workers`: apply + table-sync + parallel apply workers. */
    readonly maxLogicalReplicationWorkers: number;
    /** `max_worker_processes`: logical workers + launcher + other background workers. */
    readonly maxWorkerProcesses: number;
    /** `max_sync_workers_per_subscription`: parallel table copies per subscription. */
    readonly maxSyncWorkersPerSubscription: number;
}

/** Headroom beyond the steady-state links. Every field is optional and documented with its default. */
export interface ReplicationHeadroom {
    /** Subscriptions allowed in initial table copy at the same time, per direction. Default 4. */
    readonly initialSyncConcurrency?: number;
    /** Table-sync workers per subscription (`max_sync_workers_per_subscription`). Default 2 (PostgreSQL's default). */
    readonly syncWorkersPerSubscription?: number;
    /** Pool of parallel apply workers for large streamed transactions (`streaming = parallel`). Default 2. */
    readonly parallelApplyWorkers?: number;
    /** Physical standbys streaming from this server (HA standby, read replicas). Default 1 on a regional server, 0 on an edge. */
    readonly physicalStandbys?: number;
    /** Concurrent physical backup streams (pg_basebackup -X stream). Default 1. */
    readonly backupStreams?: number;
}

/** The mesh as seen from one regional server. */
export interface RegionalReplicationTopology extends ReplicationHeadroom {
    /** Edge facilities homed in this region (each: one subscription in, one master-data slot out). Required. */
    readonly edges: number;
    /** Other regions exchanging aggregate tables with this one, both ways. Required. */
    readonly peerRegions: number;
    /** Whether a blue/green database pair on this server is kept in step both ways. Default true. */
    readonly blueGreen?: boolean;
    /** Facilities that can be added without a restart. Default max(2, ceil(edges / 5)). */
    readonly spareFacilities?: number;
    /**
     * Databases on this server (and on each peer's) that every edge and peer link reaches directly:
     * 2 when both colours of the blue/green pair subscribe to each edge and peer themselves (the
     * colour pair replicates with origin = none, which cannot relay rows it received). Default 1.
     */
    readonly colourSubscribers?: number;
    /** A separate database on this server holds what peers subscribe to, fed from the anchor colour (one more link each way). Default false. */
    readonly peeringDatabase?: boolean;
}

/** The mesh as seen from one edge server. */
export interface EdgeReplicationTopology extends ReplicationHeadroom {
    /** Regional databases subscribing to this edge's operational publication. Default 1. */
    readonly regionalSubscribers?: number;
    /** Master-data subscriptions this edge applies (one per tenant publication). Default 1. */
    readonly masterDataSubscriptions?: number;
}

/** Background workers kept free for parallel query, autovacuum helpers and extensions. */
export const BACKGROUND_WORKER_RESERVE = 8;

/** PostgreSQL 16's defaults: the computed values never go below them. */
export const POSTGRES_DEFAULTS: ReplicationCapacity = {
    maxReplicationSlots: 10,
    maxWalSenders: 10,
    maxLogicalReplicationWorkers: 4,
    maxWorkerProcesses: 8,
    maxSyncWorkersPerSubscription: 2,
};

const HEADROOM_DEFAULTS = {
    initialSyncConcurrency: 4,
    syncWorkersPerSubscription: 2,
    parallelApplyWorkers: 2,
    backupStreams: 1,
} as const;

/** Throws a ValidationError naming `field` unless `value` is a non-negative integer. */
export function assertCount(field: string, value: unknown, options: { min?: number } = {}): number {
    const min = options.min ?? 0;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
        throw new ValidationError(field, `must be an integer >= ${min}, got ${JSON.stringify(value)}`);
    }
    return value;
}

/** Links as seen from one server, plus its headroom: the common core of the formula. */
interface ServerLinks {
    /** Logical links published from this server (slot + WAL sender each). */
    outgoing: number;
    /** Subscriptions applied on this server (apply worker each). */
    incoming: number;
    physicalStandbys: number;
}

function capacityFor(field: string, links: ServerLinks, headroom: ReplicationHeadroom): ReplicationCapacity {
    const concurrency = assertCount(`${field}.initialSyncConcurrency`, headroom.initialSyncConcurrency ?? HEADROOM_DEFAULTS.initialSyncConcurrency);
    const syncPerSub = assertCount(`${field}.syncWorkersPerSubscription`, headroom.syncWorkersPerSubscription ?? HEADROOM_DEFAULTS.syncWorkersPerSubscription, { min: 1 });
    const parallel = assertCount(`${field}.parallelApplyWorkers`, headroom.parallelApplyWorkers ?? HEADROOM_DEFAULTS.parallelApplyWorkers);
    const backups = assertCount(`${field}.backupStreams`, headroom.backupStreams ?? HEADROOM_DEFAULTS.backupStreams);

    const sync = concurrency * syncPerSub;
    const physicalSlots = links.physicalStandbys + backups;
    const physicalSenders = 2 * links.physicalStandbys + 2 * backups;
    const logicalWorkers = Math.max(POSTGRES_DEFAULTS.maxLogicalReplicationWorkers, links.incoming + sync + parallel);
    return {
        maxReplicationSlots: Math.max(POSTGRES_DEFAULTS.maxReplicationSlots, links.outgoing + sync + physicalSlots),
        maxWalSenders: Math.max(POSTGRES_DEFAULTS.maxWalSenders, links.outgoing + sync + physicalSenders),
        maxLogicalReplicationWorkers: logicalWorkers,
        maxWorkerProcesses: Math.max(POSTGRES_DEFAULTS.maxWorkerProcesses, logicalWorkers + 1 + BACKGROUND_WORKER_RESERVE),
        maxSyncWorkersPerSubscription: syncPerSub,
    };
}

/** Spare facilities kept by default: a fifth of the current count, at least two. */
export function defaultSpareFacilities(edges: number): number {
    return Math.max(2, Math.ceil(edges / 5));
}

/**
 * Capacity of a regional server (see the module comment for the formula).
 * @param field the args path used in error messages, e.g. `replication`.
 */
export function regionalReplicationCapacity(topology: RegionalReplicationTopology, field = "replication"): ReplicationCapacity {
    if (topology === null || typeof topology !== "object") {
        throw new ValidationError(field, "must be an object with edges and peerRegions");
    }
    const edges = assertCount(`${field}.edges`, topology.edges);
    const peers = assertCount(`${field}.peerRegions`, topology.peerRegions);
    const spare = assertCount(`${field}.spareFacilities`, topology.spareFacilities ?? defaultSpareFacilities(edges));
    const standbys = assertCount(`${field}.physicalStandbys`, topology.physicalStandbys ?? 1);
    if (topology.blueGreen !== undefined && typeof topology.blueGreen !== "boolean") {
        throw new ValidationError(`${field}.blueGreen`, `must be true or false, got ${JSON.stringify(topology.blueGreen)}`);
    }
    const colourLinks = topology.blueGreen === false ? 0 : 2;
    const subscribers = assertCount(`${field}.colourSubscribers`, topology.colourSubscribers ?? 1, { min: 1 });
    if (topology.peeringDatabase !== undefined && typeof topology.peeringDatabase !== "boolean") {
        throw new ValidationError(`${field}.peeringDatabase`, `must be true or false, got ${JSON.stringify(topology.peeringDatabase)}`);
    }
    const peeringFeed = topology.peeringDatabase === true ? 1 : 0;
    const facilityLinks = edges + spare;
    return capacityFor(field, {
        // Master data goes to each edge once; aggregates to every subscribing colour of each peer.
        outgoing: facilityLinks + peers * subscribers + colourLinks + peeringFeed,
        incoming: facilityLinks * subscribers + peers * subscribers + colourLinks + peeringFeed,
        physicalStandbys: standbys,
    }, topology);
}

/** Capacity of an edge server: publishes operational data to its region, applies master data. */
export function edgeReplicationCapacity(topology: EdgeReplicationTopology = {}, field = "replication"): ReplicationCapacity {
    const subscribers = assertCount(`${field}.regionalSubscribers`, topology.regionalSubscribers ?? 1);
    const masterData = assertCount(`${field}.masterDataSubscriptions`, topology.masterDataSubscriptions ?? 1);
    const standbys = assertCount(`${field}.physicalStandbys`, topology.physicalStandbys ?? 0);
    return capacityFor(field, { outgoing: subscribers, incoming: masterData, physicalStandbys: standbys }, topology);
}

/** Checks a precomputed capacity (for example from stack config): every number a positive integer. */
export function assertReplicationCapacity(field: string, capacity: ReplicationCapacity): ReplicationCapacity {
    if (capacity === null || typeof capacity !== "object") {
        throw new ValidationError(field, "must be an object with the five replication settings");
    }
    for (const key of Object.keys(POSTGRES_DEFAULTS) as (keyof ReplicationCapacity)[]) {
        assertCount(`${field}.${key}`, capacity[key], { min: 1 });
    }
    if (capacity.maxWorkerProcesses <= capacity.maxLogicalReplicationWorkers) {
        throw new ValidationError(
            `${field}.maxWorkerProcesses`,
            `must exceed maxLogicalReplicationWorkers (${capacity.maxLogicalReplicationWorkers}): apply workers are background workers and the launcher needs one more`,
        );
    }
    return capacity;
}

/** The server settings as PostgreSQL names them, values as strings (as both clouds' APIs want). */
export function capacityParameters(capacity: ReplicationCapacity): Record<string, string> {
    return {
        max_replication_slots: String(capacity.maxReplicationSlots),
        max_wal_senders: String(capacity.maxWalSenders),
        max_logical_replication_workers: String(capacity.maxLogicalReplicationWorkers),
        max_worker_processes: String(capacity.maxWorkerProcesses),
        max_sync_workers_per_subscription: String(capacity.maxSyncWorkersPerSubscription),
    };
}
