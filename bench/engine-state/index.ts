/**
 * N edges on one embedded edge server, one regional database on another: the library's own
 * PostgresDatabase and ReplicationMesh, as many PostgreSQL resources per edge as a real fleet has
 * (database, replication role, publication, subscription, guards). Config (set by
 * bench/engine-state.ts): `edges`, `edgePort`, `regionPort`, `bundleEdges` (each edge's objects as
 * one ReplicationBundle, as the regional stacks register them; default false); the servers' superuser password from
 * AGOGSAAS_LOCAL_PG_PASSWORD.
 */
import * as pulumi from "@pulumi/pulumi";
import { PostgresDatabase } from "../../components/postgres/database";
import { ReplicationMesh } from "../../components/replication/replication-mesh";
import { MeshNode } from "../../components/replication/args";
import { tablesOfClass } from "../../components/shared/sovereignty";
import { LOCAL_SUPERUSER, derivedReplicationPassword, localPassword } from "../../stacks/local";
import { fleetCapacity } from "./capacity";

const config = new pulumi.Config("bench");
const edges = config.requireNumber("edges");
const ports = { edge: config.requireNumber("edgePort"), region: config.requireNumber("regionPort") };
const password = localPassword();
const capacity = fleetCapacity(edges);
const bundleEdges = config.getBoolean("bundleEdges") ?? false;

const connection = (server: "edge" | "region", database: string) =>
    ({ host: "127.0.0.1", port: ports[server], database, user: LOCAL_SUPERUSER, password: pulumi.secret(password) });
const database = (server: "edge" | "region", name: string) =>
    new PostgresDatabase(`${name}-db`, { connection: connection(server, "postgres"), databaseName: name, dropOnDelete: true });

const edgeNames = Array.from({ length: edges }, (_, i) => `edge_${String(i + 1).padStart(3, "0")}`);
const databases = [database("region", "region"), ...edgeNames.map((name) => database("edge", name))];
const node = (name: string, server: "edge" | "region", role: "edge" | "regional", db: PostgresDatabase): MeshNode => ({
    name, zone: "us", role, server, capacity: capacity[server],
    connection: { ...connection(server, name), database: db.databaseName },
    replicationPassword: pulumi.secret(derivedReplicationPassword(password, name)),
});
const mesh = new ReplicationMesh("bench-state", {
    nodes: [node("region", "region", "regional", databases[0]), ...edgeNames.map((name, i) => node(name, "edge", "edge", databases[i + 1]))],
    flows: edgeNames.map((name, i) => ({
        from: name, to: "region", tables: tablesOfClass("operational"),
        rowFilter: { column: "facility_id", equals: `facility-${String(i + 1).padStart(3, "0")}` },
    })),
    bundleEdges,
}, { dependsOn: databases });

export const topology = mesh.topology;
