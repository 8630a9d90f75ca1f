/**
 * `npm run mesh:status -- [options]`: replication status of a mesh, per subscription (enabled, last
 * message time, apply lag, slot retained bytes, wal_status), orphan slots and unreachable nodes.
 *
 *   --node NAME=postgres://user[:password]@host:port/db   a node's admin connection (repeat per node)
 *   --topology FILE    the ReplicationMesh `topology` output as JSON (`pulumi stack output ... --json`);
 *                      without it, flows are discovered from the `mesh_<from>_to_<to>` subscriptions
 *   --json             machine-readable output
 *   --prometheus-rule  print the PrometheusRule YAML (alert rules) and exit
 *   --exporter-queries print the postgres_exporter queries YAML and exit
 *
 * Passwords: in the URL, or env `MESH_PASSWORD_<NODE>` (upper case), or `PGPASSWORD`.
 * Exit code: 0 healthy, 1 something needs attention, 2 usage error.
 */
import * as fs from "fs";
import { PgConnection, withClient } from "../components/postgres/connection";
import { MeshTopology, formatMeshStatus, hasProblems, meshStatus } from "../ops/replication/status";
import { exporterQueriesYaml, meshPrometheusRuleYaml } from "../components/replication/alerts";
import { runCli } from "./run-cli";

function usage(message: string): never {
    console.error(`mesh:status: ${message}\nusage: npm run mesh:status -- --node NAME=postgres://user@host:port/db [--node ...] [--topology FILE] [--json]`);
    process.exit(2);
}

function passwordFor(node: string): string {
    return process.env[`MESH_PASSWORD_${node.toUpperCase()}`] ?? process.env.PGPASSWORD ?? "";
}

/** Parses `postgres://user:password@host:port/db?sslmode=require`. */
export function parseConnectionUrl(node: string, url: string): PgConnection {
    const u = new URL(url);
    if (!/^postgres(ql)?:$/.test(u.protocol)) usage(`--node ${node}: not a postgres:// URL`);
    const sslmode = u.searchParams.get("sslmode");
    return {
        host: u.hostname, port: Number(u.port || 5432), database: decodeURIComponent(u.pathname.slice(1) || "postgres"),
        user: decodeURIComponent(u.username || "postgres"), password: u.password ? decodeURIComponent(u.password) : passwordFor(node),
        ssl: sslmode === "require" || sslmode === "verify-full" ? sslmode : "disable",
    };
}

/** Flows from subscription names `mesh_<from>_to_<to>` found on the nodes. */
async function discoverTopology(connections: Record<string, PgConnection>): Promise<MeshTopology> {
    const names = Object.keys(connections);
    const flows: MeshTopology["flows"] = [];
    for (const to of names) {
        try {
            const subs = await withClient(connections[to], async (client) => (await client.query<{ subname: string }>(
                "SELECT subname FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())")).rows);
            for (const { subname } of subs) {
                const from = names.find((n) => subname === `mesh_${n}_to_${to}`);
                if (from) flows.push({ from, to, subscriptionName: subname, tables: [] });
            }
        } catch {
            // reported as unreachable by meshStatus
        }
    }
    return {
        nodes: names.map((name) => ({ name, zone: "", role: "", host: connections[name].host, port: connections[name].port, database: connections[name].database, user: connections[name].user })),
        flows,
    };
}

async function main(argv: string[]): Promise<number> {
    const connections: Record<string, PgConnection> = {};
    let topologyFile: string | undefined;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--node") {
            const spec = argv[++i] ?? usage("--node needs NAME=URL");
            const eq = spec.indexOf("=");
            if (eq < 1) usage(`--node ${spec}: expected NAME=URL`);
            connections[spec.slice(0, eq)] = parseConnectionUrl(spec.slice(0, eq), spec.slice(eq + 1));
        } else if (arg === "--topology") topologyFile = argv[++i] ?? usage("--topology needs a file");
        else if (arg === "--json") json = true;
        else if (arg === "--prometheus-rule") { process.stdout.write(meshPrometheusRuleYaml()); return 0; }
        else if (arg === "--exporter-queries") { process.stdout.write(exporterQueriesYaml()); return 0; }
        else usage(`unknown argument ${arg}`);
    }
    let topology: MeshTopology;
    if (topologyFile) {
        topology = JSON.parse(fs.readFileSync(topologyFile, "utf8")) as MeshTopology;
        for (const node of topology.nodes) {
            connections[node.name] ??= { host: node.host, port: node.port, database: node.database, user: node.user, password: passwordFor(node.name) };
        }
    } else {
        if (Object.keys(connections).length === 0) usage("give --node NAME=URL (one per node) or --topology FILE");
        topology = await discoverTopology(connections);
    }
    const status = await meshStatus(topology, connections);
    console.log(json ? JSON.stringify(status, null, 2) : formatMeshStatus(status));
    return hasProblems(status) ? 1 : 0;
}

runCli(module, main, { crashCode: 2, prefix: "mesh:status", showStack: false });
