/** Replication capacity of the benchmark's two servers for N edges (the program declares it, the driver starts the servers with it). */
import { ReplicationCapacity, edgeReplicationCapacity, regionalReplicationCapacity } from "../../components/replication/capacity";

export function fleetCapacity(edges: number): { edge: ReplicationCapacity; region: ReplicationCapacity } {
    return {
        // One edge server holds every edge database: each one's publication feeds the region.
        edge: edgeReplicationCapacity({ regionalSubscribers: edges, masterDataSubscriptions: 0 }),
        region: regionalReplicationCapacity({ edges, peerRegions: 0, blueGreen: false, physicalStandbys: 0, spareFacilities: 0 }),
    };
}
