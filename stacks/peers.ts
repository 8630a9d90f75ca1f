/**
 * Peer regions: what a regional stack publishes for its peers (the `peering` outputs) and how it
 * reads a peer's, from the peer's stack outputs (`pulumi.StackReference`) or from config.
 *
 * The contract, both ways:
 *   peering         { stack, zone, graphqlUrl,
 *                     database: { host, port, database, user, publication } }   plain
 *   peeringPassword the password of the peering login `user`                    secret
 * `user` is the least-privilege login of the publication the region offers its peers (LOGIN,
 * replication, CONNECT on the peering database only, SELECT on the aggregate tables only), never
 * the server's administrator: a peer's stack subscribes its own colours with it and creates its
 * slots with it (see stacks/mesh.ts), and manages nothing on this region's server.
 * Every regional stack offers it, peers configured or not, so a new peer can subscribe first.
 */
import * as pulumi from "@pulumi/pulumi";
import { SovereigntyError } from "../components/errors";
import type { Zone } from "../components/sovereignty";
import { PeerConfig, configKey } from "./config";
import { PEERING_DATABASE, peeringPublicationName } from "./mesh";

/** Where a region's peers subscribe: its peering database, the login and the publication. */
export interface PeeringDatabaseInfo {
    host: string;
    port: number;
    /** The peering database (PEERING_DATABASE). */
    database: string;
    /** The peering login (never the administrator). */
    user: string;
    /** The publication offered to the peers. */
    publication: string;
}

/** The plain part of the peering outputs. */
export interface PeeringInfo {
    stack: string;
    zone: Zone;
    /** The region's aggregate subgraph (safe for gateways of any zone). */
    graphqlUrl: string;
    /** Absent only from stacks that predate the peering publication (refused). */
    database?: PeeringDatabaseInfo;
}

/** Stack output names of the contract. */
export const PEERING_OUTPUT = "peering";
export const PEERING_PASSWORD_OUTPUT = "peeringPassword";

/** A peer region as this stack uses it. */
export interface PeerEndpoint {
    graphqlUrl: pulumi.Input<string>;
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    database: pulumi.Input<string>;
    /** The peer's peering login. */
    user: pulumi.Input<string>;
    /** Secret: the peering login's password. */
    password: pulumi.Output<string>;
    /** The publication the peer offers. */
    publication: pulumi.Input<string>;
}

/** Refuses a referenced stack whose zone differs from the peer's configured zone (config decides the flows), or that offers no peering login. */
export function checkedPeering(peer: PeerConfig, index: number, info: PeeringInfo | undefined): PeeringInfo {
    const path = `${configKey("peers")}[${index}]`;
    if (info === undefined || info === null || typeof info !== "object") {
        throw new SovereigntyError(`${path}.stackReference`, `stack "${peer.stackReference}" exports no "${PEERING_OUTPUT}" output`, "a regional stack of this project (deployed)");
    }
    if (info.zone !== undefined && info.zone !== peer.zone) {
        throw new SovereigntyError(`${path}.zone`, `is "${peer.zone}" but stack "${peer.stackReference}" is in zone "${info.zone}"`, `"${info.zone}"`);
    }
    const db = info.database;
    if (db === undefined || db === null || typeof db !== "object") {
        throw new SovereigntyError(`${path}.stackReference`, `stack "${peer.stackReference}" offers no peering publication`, "that stack updated to offer its peering publication first");
    }
    if (typeof db.publication !== "string" || typeof db.database !== "string") {
        // The old contract handed over the administrator's login: never use it.
        throw new SovereigntyError(`${path}.stackReference`, `stack "${peer.stackReference}" exports the old peering contract (administrator login, no publication)`, "that stack updated to offer its peering publication first");
    }
    return info;
}

/** The peer's endpoint: from config when given there, else from its stack's outputs. */
export function peerEndpoint(peer: PeerConfig, index: number): PeerEndpoint {
    if (peer.database !== undefined) {
        return {
            graphqlUrl: peer.graphqlUrl!,
            host: peer.database.host,
            port: peer.database.port,
            database: peer.database.database ?? PEERING_DATABASE,
            user: peer.database.user,
            password: pulumi.secret(peer.database.password),
            publication: peer.database.publication ?? peeringPublicationName(peer.stack),
        };
    }
    const ref = new pulumi.StackReference(`peer-${peer.stack}`, { name: peer.stackReference! });
    const info = ref.getOutput(PEERING_OUTPUT).apply((value) => checkedPeering(peer, index, value as PeeringInfo | undefined));
    const db = info.apply((i) => i.database!);
    return {
        graphqlUrl: peer.graphqlUrl ?? info.graphqlUrl,
        host: db.host,
        port: db.port,
        database: db.database,
        user: db.user,
        password: pulumi.secret(ref.getOutput(PEERING_PASSWORD_OUTPUT) as pulumi.Output<string>),
        publication: db.publication,
    };
}

/** The peer's peering database as an external mesh node's connection: the peering login (TLS: both clouds' servers require it). */
export function peerConnection(endpoint: PeerEndpoint) {
    return {
        host: endpoint.host, port: endpoint.port, database: endpoint.database,
        user: endpoint.user, password: endpoint.password, ssl: "require" as const,
    };
}
