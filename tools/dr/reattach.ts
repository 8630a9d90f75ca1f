/**
 * `npm run dr:reattach -- --edge URL --region URL --outbound NAME [--publication NAME] [--inbound NAME]`:
 * re-attaches a restored edge database to its regional database (components/replication/providers/reattach.ts
 * says what it does). Stop the edge's applications first; run once per regional subscriber of the
 * edge (e.g. the blue and the green backend database).
 *
 *   --edge URL         postgres:// admin URL of the restored edge database
 *   --region URL       postgres:// admin URL of the regional database that subscribes to the edge
 *   --outbound NAME    the region's subscription to the edge (e.g. mesh_edge_la_001_to_us_east_blue)
 *   --publication NAME the edge's publication it reads; default the subscription's name
 *   --inbound NAME     the edge's subscription to that region (master data), re-copied; default none
 *
 * Passwords: in the URL or `PGPASSWORD`. Exit code: 0 re-attached, 1 failed, 2 usage error.
 */
import { reattachEdge } from "../../components/replication/providers/reattach";
import { parseConnectionUrl } from "../mesh-status";
import { runCli } from "../run-cli";

const USAGE = "usage: npm run dr:reattach -- --edge postgres://… --region postgres://… --outbound SUBSCRIPTION [--publication NAME] [--inbound SUBSCRIPTION]";
const FLAGS = new Set(["edge", "region", "outbound", "publication", "inbound"]);

export async function main(argv: string[]): Promise<number> {
    const values = new Map<string, string>();
    for (let i = 0; i < argv.length; i += 2) {
        const name = argv[i]?.replace(/^--/, "");
        if (!argv[i]?.startsWith("--") || !FLAGS.has(name) || argv[i + 1] === undefined) {
            console.error(`dr:reattach: unknown or incomplete option ${JSON.stringify(argv[i])}\n${USAGE}`);
            return 2;
        }
        values.set(name, argv[i + 1]);
    }
    for (const required of ["edge", "region", "outbound"]) {
        if (!values.has(required)) {
            console.error(`dr:reattach: --${required} is required\n${USAGE}`);
            return 2;
        }
    }
    const report = await reattachEdge({
        edge: parseConnectionUrl("edge", values.get("edge")!),
        region: parseConnectionUrl("region", values.get("region")!),
        outboundSubscription: values.get("outbound")!,
        outboundPublication: values.get("publication") ?? values.get("outbound")!,
        inboundSubscription: values.get("inbound"),
    });
    for (const [table, r] of Object.entries(report.reconciled)) {
        console.log(`${table}: ${r.toEdge} region → edge, ${r.toRegion} edge → region, ${r.overwritten} overwritten, ${r.deletedOnEdge} deleted on the edge`);
    }
    console.log(`new slot at ${report.slotLsn}; re-copied from the region: ${report.resynced.join(", ") || "nothing"}; tables ready: ${report.outbound.ready.join(", ")}`);
    return 0;
}

runCli(module, main, { prefix: "dr:reattach", showStack: false });
