/**
 * Upgrading a deployed stack from 0.1.x (every PostgreSQL resource a dynamic resource, its
 * provider's code in state) to the provider plugin, on the real engine: the `local` stack is
 * deployed by the program of the last dynamic-provider revision, then `pulumi up` runs this
 * checkout's program on the same state. Nothing is replaced, deleted or created, no table is
 * copied again, and every PostgreSQL resource's state shrinks to the plugin's.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { NODES } from "../../stacks/local-topology";
import { PROJECT } from "../../stacks/config";
import { rows } from "../../tools/demo/workload";
import { CHECKOUT } from "../../tools/engine/cli";
import { LocalStack, stateFigures } from "../../tools/engine/local-stack";
import { LEGACY_DYNAMIC_TYPE, isPgResourceType } from "../../components/postgres/providers/resource-types";
import { LocalDeployment, startLocalDeployment, summaryOf } from "../support/local-engine";

/** The last commit whose PostgreSQL resources were dynamic resources. */
const LEGACY_REVISION = "a9926b7";

interface Replication {
    subscriptions: { oid: number; subname: string }[];
    tables: { subname: string; relation: string; srsubstate: string; srsublsn: string | null }[];
    publications: { oid: number; pubname: string }[];
}

/** What a re-created subscription or a re-copied table would change: object ids, sync states and LSNs. */
async function replicationOn(d: LocalDeployment): Promise<Record<string, Replication>> {
    const result: Record<string, Replication> = {};
    for (const node of Object.values(NODES)) {
        const admin = d.env.admin[node];
        result[node] = {
            subscriptions: await rows(admin, "SELECT oid::int, subname FROM pg_subscription ORDER BY subname"),
            tables: await rows(admin, `SELECT s.subname, r.srrelid::regclass::text AS relation, r.srsubstate, r.srsublsn::text
                FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid ORDER BY 1, 2`),
            publications: await rows(admin, "SELECT oid::int, pubname FROM pg_publication ORDER BY pubname"),
        };
    }
    return result;
}

describe("real engine: a 0.1.x stack (dynamic providers) upgraded to the provider plugin", function () {
    this.timeout(600_000);
    let d: LocalDeployment;
    let legacyDir: string;

    before(async () => {
        d = await startLocalDeployment();
        legacyDir = path.join(d.dir, "legacy");
        fs.mkdirSync(legacyDir);
        // The old program as a user had it: its sources, this checkout's node_modules.
        const archive = execFileSync("git", ["-C", CHECKOUT, "archive", "--format=tar", LEGACY_REVISION], { maxBuffer: 256 * 1024 * 1024 });
        execFileSync("tar", ["-x", "-C", legacyDir], { input: archive });
        fs.symlinkSync(path.join(CHECKOUT, "node_modules"), path.join(legacyDir, "node_modules"));
    });
    after(async () => {
        await d?.cleanup();
    });

    it("pulumi up moves every PostgreSQL resource over in place: 0 created, 0 replaced, 0 deleted, no table copied again", async () => {
        const legacy = new LocalStack({
            stateDir: path.join(d.dir, "state"), password: d.env.password, configFile: d.configFile, stack: d.stack.stack,
            project: { dir: legacyDir, name: PROJECT },
        });
        const deployed = await legacy.up();
        assert.strictEqual(summaryOf(deployed.stdout).created, 33, deployed.stdout.slice(-1500));
        const before = stateFigures(d.stack.stateFile());
        const legacyTypes = (await d.stack.exportState()).deployment.resources ?? [];
        const dynamicCount = legacyTypes.filter((r) => r.type === LEGACY_DYNAMIC_TYPE).length;
        assert.ok(dynamicCount > 0 && before.pgResources === dynamicCount, "the old program deployed dynamic resources");
        const replicationBefore = await replicationOn(d);
        assert.ok(Object.values(replicationBefore).some((r) => r.tables.length > 0), "tables were synchronised");

        const upgraded = await d.stack.up();
        const summary = summaryOf(upgraded.stdout);
        assert.deepStrictEqual({ created: summary.created, replaced: summary.replaced, deleted: summary.deleted }, { created: undefined, replaced: undefined, deleted: undefined }, upgraded.stdout.slice(-3000));
        assert.strictEqual(summary.updated, dynamicCount, `each PostgreSQL resource is updated once (its state's form): ${upgraded.stdout.slice(-3000)}`);
        assert.deepStrictEqual(await replicationOn(d), replicationBefore, "same subscriptions, publications, table sync states and LSNs");

        const after = stateFigures(d.stack.stateFile());
        const resources = (await d.stack.exportState()).deployment.resources ?? [];
        assert.deepStrictEqual(resources.filter((r) => r.type === LEGACY_DYNAMIC_TYPE), [], "no dynamic resource left");
        assert.strictEqual(resources.filter((r) => isPgResourceType(r.type)).length, dynamicCount);
        // ≤ 5 KB on average; subscriptions (three secret connections, twice) reach ≈ 5.3 KB (bench/results/engine.md).
        assert.ok(after.bytesPerPgResource <= 5 * 1024, `≤ 5 KB per PostgreSQL resource on average: ${Math.round(after.bytesPerPgResource)} B (before: ${Math.round(before.bytesPerPgResource)} B)`);
        assert.ok(after.maxBytesPerPgResource <= 6 * 1024, `largest PostgreSQL resource: ${after.maxBytesPerPgResource} B`);
        assert.strictEqual(after.providerCodeBytes, 0);

        const again = await d.stack.up();
        assert.deepStrictEqual(summaryOf(again.stdout), { unchanged: 33 }, again.stdout.slice(-1500));
    });
});
