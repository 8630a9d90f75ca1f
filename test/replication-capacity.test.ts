import * as assert from "assert";
import { ValidationError } from "../components/shared/errors";
import {
    assertReplicationCapacity, capacityParameters, edgeReplicationCapacity, regionalReplicationCapacity,
    ReplicationCapacity,
} from "../components/replication/capacity";

/** [slots, walSenders, logicalWorkers, workerProcesses] */
const numbers = (c: ReplicationCapacity) => [c.maxReplicationSlots, c.maxWalSenders, c.maxLogicalReplicationWorkers, c.maxWorkerProcesses];

describe("replication capacity", () => {
    describe("regional server", () => {
        // Worked by hand from the documented formula (docs/regional.md): 2 peer regions, blue/green,
        // default headroom: sync 4×2 = 8, physical 1 standby + 1 backup stream (2 slots, 4 senders),
        // parallel apply 2, background reserve 8 + launcher 1.
        const worked: Array<[number, number[]]> = [
            [1, [17, 19, 17, 26]], //  links = (1+2) + 2 + 2 = 7
            [10, [26, 28, 26, 35]], //  links = (10+2) + 2 + 2 = 16
            [100, [134, 136, 134, 143]], // links = (100+20) + 2 + 2 = 124
            [1000, [1214, 1216, 1214, 1223]], // links = (1000+200) + 2 + 2 = 1204
        ];
        for (const [edges, expected] of worked) {
            it(`matches the worked example for ${edges} edge(s)`, () => {
                const capacity = regionalReplicationCapacity({ edges, peerRegions: 2 });
                assert.deepStrictEqual(numbers(capacity), expected);
                assert.strictEqual(capacity.maxSyncWorkersPerSubscription, 2);
            });
        }

        it("counts the blue/green pair as two links each way", () => {
            const withPair = regionalReplicationCapacity({ edges: 10, peerRegions: 2 });
            const without = regionalReplicationCapacity({ edges: 10, peerRegions: 2, blueGreen: false });
            assert.strictEqual(withPair.maxReplicationSlots - without.maxReplicationSlots, 2);
            assert.strictEqual(withPair.maxWalSenders - without.maxWalSenders, 2);
            assert.strictEqual(withPair.maxLogicalReplicationWorkers - without.maxLogicalReplicationWorkers, 2);
        });

        it("each peer region adds one slot, one sender and one apply worker", () => {
            const a = regionalReplicationCapacity({ edges: 5, peerRegions: 1 });
            const b = regionalReplicationCapacity({ edges: 5, peerRegions: 4 });
            assert.deepStrictEqual(numbers(b).map((n, i) => n - numbers(a)[i]), [3, 3, 3, 3]);
        });

        it("headroom inputs move the numbers as documented", () => {
            const base = regionalReplicationCapacity({ edges: 10, peerRegions: 2 });
            const moreSync = regionalReplicationCapacity({ edges: 10, peerRegions: 2, initialSyncConcurrency: 6, syncWorkersPerSubscription: 3 });
            // sync goes from 4×2 = 8 to 6×3 = 18
            assert.strictEqual(moreSync.maxReplicationSlots - base.maxReplicationSlots, 10);
            assert.strictEqual(moreSync.maxLogicalReplicationWorkers - base.maxLogicalReplicationWorkers, 10);
            assert.strictEqual(moreSync.maxSyncWorkersPerSubscription, 3);
            const twoStandbys = regionalReplicationCapacity({ edges: 10, peerRegions: 2, physicalStandbys: 2 });
            assert.strictEqual(twoStandbys.maxReplicationSlots - base.maxReplicationSlots, 1);
            assert.strictEqual(twoStandbys.maxWalSenders - base.maxWalSenders, 2);
            assert.strictEqual(twoStandbys.maxLogicalReplicationWorkers, base.maxLogicalReplicationWorkers);
        });

        it("never goes below PostgreSQL's defaults", () => {
            const minimal = regionalReplicationCapacity({
                edges: 0, peerRegions: 0, blueGreen: false, spareFacilities: 0, initialSyncConcurrency: 0,
                parallelApplyWorkers: 0, physicalStandbys: 0, backupStreams: 0,
            });
            assert.deepStrictEqual(numbers(minimal), [10, 10, 4, 13]);
        });

        it("is monotonic in edges and peers, and worker processes always exceed logical workers", () => {
            for (const peerRegions of [0, 1, 2, 5]) {
                for (let edges = 1; edges <= 300; edges++) {
                    const current = regionalReplicationCapacity({ edges, peerRegions });
                    const fewerEdges = regionalReplicationCapacity({ edges: edges - 1, peerRegions });
                    const morePeers = regionalReplicationCapacity({ edges, peerRegions: peerRegions + 1 });
                    numbers(current).forEach((n, i) => {
                        assert.ok(n >= numbers(fewerEdges)[i], `edges ${edges}, peers ${peerRegions}: value ${i} decreased`);
                        assert.ok(numbers(morePeers)[i] > n, `edges ${edges}, peers ${peerRegions}: one more peer must add capacity`);
                    });
                    assert.ok(current.maxWorkerProcesses > current.maxLogicalReplicationWorkers);
                    assert.ok(current.maxReplicationSlots > edges + peerRegions, "a slot per edge and per peer, plus headroom");
                }
            }
        });

        const bad: Array<[string, unknown, string]> = [
            ["negative edges", { edges: -1, peerRegions: 0 }, "replication.edges"],
            ["fractional peers", { edges: 1, peerRegions: 1.5 }, "replication.peerRegions"],
            ["edges as a string", { edges: "3", peerRegions: 0 }, "replication.edges"],
            ["NaN spare facilities", { edges: 1, peerRegions: 0, spareFacilities: NaN }, "replication.spareFacilities"],
            ["zero sync workers per subscription", { edges: 1, peerRegions: 0, syncWorkersPerSubscription: 0 }, "replication.syncWorkersPerSubscription"],
            ["blueGreen not a boolean", { edges: 1, peerRegions: 0, blueGreen: "yes" }, "replication.blueGreen"],
        ];
        for (const [label, topology, field] of bad) {
            it(`rejects ${label} naming ${field}`, () => {
                assert.throws(
                    () => regionalReplicationCapacity(topology as never),
                    (err: unknown) => err instanceof ValidationError && err.field === field && err.message.startsWith(`${field}: must be `),
                );
            });
        }

        it("uses the caller's field path in messages", () => {
            assert.throws(() => regionalReplicationCapacity({ edges: -2, peerRegions: 0 }, "agogsaas:replication"), /^ValidationError: agogsaas:replication\.edges: must be an integer >= 0, got -2$/);
        });
    });

    describe("edge server", () => {
        it("publishes to one region and applies one master-data subscription by default", () => {
            // out 1, in 1, sync 8, 1 backup stream (1 slot, 2 senders), parallel 2, no standby.
            assert.deepStrictEqual(numbers(edgeReplicationCapacity()), [10, 11, 11, 20]);
        });
        it("grows with direct subscribers (both colours subscribing)", () => {
            const two = edgeReplicationCapacity({ regionalSubscribers: 2, masterDataSubscriptions: 2 });
            assert.deepStrictEqual(numbers(two), [11, 12, 12, 21]);
        });
        it("rejects bad input naming the field", () => {
            assert.throws(() => edgeReplicationCapacity({ regionalSubscribers: -1 }), /replication\.regionalSubscribers: must be an integer >= 0/);
        });
    });

    describe("precomputed capacity and parameters", () => {
        it("renders PostgreSQL parameter names with string values", () => {
            assert.deepStrictEqual(capacityParameters(regionalReplicationCapacity({ edges: 10, peerRegions: 2 })), {
                max_replication_slots: "26", max_wal_senders: "28", max_logical_replication_workers: "26",
                max_worker_processes: "35", max_sync_workers_per_subscription: "2",
            });
        });
        it("rejects a capacity whose worker processes cannot hold the logical workers", () => {
            assert.throws(() => assertReplicationCapacity("replicationCapacity", {
                maxReplicationSlots: 20, maxWalSenders: 20, maxLogicalReplicationWorkers: 16, maxWorkerProcesses: 16, maxSyncWorkersPerSubscription: 2,
            }), /replicationCapacity\.maxWorkerProcesses: must exceed maxLogicalReplicationWorkers \(16\)/);
        });
        it("rejects zero or missing numbers", () => {
            assert.throws(() => assertReplicationCapacity("replicationCapacity", {
                maxReplicationSlots: 0, maxWalSenders: 20, maxLogicalReplicationWorkers: 4, maxWorkerProcesses: 16, maxSyncWorkersPerSubscription: 2,
            }), /replicationCapacity\.maxReplicationSlots: must be an integer >= 1, got 0/);
        });
    });
});
