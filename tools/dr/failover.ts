/**
 * `npm run dr:failover -- --cloud aws --from us-east-1 --to us-west-2 --standby URL --edge URL [--outbound NAME] [--inbound NAME] [--promote]`:
 * fails a regional database over to its standby and re-points one edge's flows to it
 * (ops/replication/failover.ts says how). The target is checked against the sovereignty
 * rules first: a standby in another zone is refused before any connection is opened.
 *
 *   --cloud aws|azure   the cloud of both regions
 *   --from REGION       the lost primary's region or location
 *   --to REGION         the standby's region or location (same zone only)
 *   --standby URL       postgres:// admin URL of the standby's database (e.g. backend_blue on the replica)
 *   --edge URL          postgres:// admin URL of the edge database
 *   --outbound NAME     the region's subscription to the edge (e.g. mesh_edge_la_001_to_us_east_blue): re-based first
 *   --inbound NAME      the edge's subscription to the region (master data), moved to the standby; default none
 *   --promote           promote with pg_promote() (self-managed servers); managed ones are promoted by
 *                       the cloud first (`aws rds promote-read-replica`, Azure "promote to primary"),
 *                       and without this flag a standby still in recovery is refused
 *
 * Run once per edge and regional database (both colours). Passwords: in the URL or `PGPASSWORD`.
 * Exit code: 0 failed over, 1 failed (the message says which step), 2 usage error or refusal.
 */
import { withClient } from "../../components/postgres/connection";
import { promoteStandby, repointFlow } from "../../ops/replication/failover";
import { TABLE_NAMES, assertFailoverTarget } from "../../components/shared/sovereignty";
import { parseConnectionUrl } from "../mesh-status";
import { runCli } from "../run-cli";

const USAGE = "usage: npm run dr:failover -- --cloud aws|azure --from REGION --to REGION --standby postgres://… --edge postgres://… [--outbound SUBSCRIPTION] [--inbound SUBSCRIPTION] [--promote]";
const FLAGS = new Set(["cloud", "from", "to", "standby", "edge", "outbound", "inbound"]);

export async function main(argv: string[]): Promise<number> {
    const values = new Map<string, string>();
    let promote = false;
    for (let i = 0; i < argv.length; i += 2) {
        if (argv[i] === "--promote") { promote = true; i--; continue; }
        const name = argv[i]?.replace(/^--/, "");
        if (!argv[i]?.startsWith("--") || !FLAGS.has(name) || argv[i + 1] === undefined) {
            console.error(`dr:failover: unknown or incomplete option ${JSON.stringify(argv[i])}\n${USAGE}`);
            return 2;
        }
        values.set(name, argv[i + 1]);
    }
    for (const required of ["cloud", "from", "to", "standby", "edge"]) {
        if (!values.has(required)) {
            console.error(`dr:failover: --${required} is required\n${USAGE}`);
            return 2;
        }
    }
    if (!values.has("outbound") && !values.has("inbound")) {
        console.error(`dr:failover: --outbound or --inbound (or both) is required\n${USAGE}`);
        return 2;
    }
    const cloud = values.get("cloud");
    if (cloud !== "aws" && cloud !== "azure") {
        console.error(`dr:failover: --cloud must be "aws" or "azure", got ${JSON.stringify(cloud)}\n${USAGE}`);
        return 2;
    }
    try {
        // A standby holds the whole database: every table must be allowed where it takes over.
        assertFailoverTarget("--to", cloud, values.get("from")!, values.get("to"), TABLE_NAMES);
    } catch (err) {
        console.error(`dr:failover: ${(err as Error).name}: ${(err as Error).message}`);
        return 2;
    }
    const standby = parseConnectionUrl("standby", values.get("standby")!);
    const edge = parseConnectionUrl("edge", values.get("edge")!);
    const inRecovery = await withClient(standby, async (c) => (await c.query<{ r: boolean }>("SELECT pg_is_in_recovery() AS r")).rows[0].r);
    if (inRecovery && !promote) {
        console.error("dr:failover: the standby is still in recovery: promote it with the cloud first (aws rds promote-read-replica / Azure promote), or pass --promote for a self-managed server");
        return 1;
    }
    if (inRecovery) console.log(`promoted in ${(await promoteStandby({ standby })).ms} ms`);
    const outbound = values.get("outbound");
    if (outbound !== undefined) {
        const orders = await repointFlow({ publisherAdmin: edge, subscriber: standby, subscription: outbound });
        for (const [table, r] of Object.entries(orders.reconciled)) console.log(`${outbound} ${table}: ${r.inserted} inserted, ${r.replaced} replaced, ${r.deleted} deleted at the region`);
        console.log(`${outbound}: streams from the edge's new slot at ${orders.slotLsn}`);
    }
    const inbound = values.get("inbound");
    if (inbound !== undefined) {
        const master = await repointFlow({ publisherAdmin: standby, subscriber: edge, subscription: inbound, newPublisher: { host: standby.host, port: standby.port, ssl: standby.ssl } });
        for (const [table, r] of Object.entries(master.reconciled)) console.log(`${inbound} ${table}: ${r.inserted} inserted, ${r.replaced} replaced, ${r.deleted} deleted at the edge`);
        console.log(`${inbound}: streams from the standby's new slot at ${master.slotLsn}`);
    }
    return 0;
}

runCli(module, main, { prefix: "dr:failover", showStack: false });
