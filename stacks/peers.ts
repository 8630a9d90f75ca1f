/**
 * Peer regions: what a regional stack publishes for its peers (the `peering` outputs) and how it
 * reads a peer's, from the peer's stack outputs (`pulumi.StackReference`) or from config.
 *
 * The contract, both ways:
 *   peering         { stack, zone, graphqlUrl, database: { host, port, user } }   plain
 *   peeringPassword the server administrator's password                          secret
 * The administrator creates this region's subscriptions on the peer's server (one per colour);
 * the colour databases are BlueGreenPair's `backend_blue` and `backend_green` in every region.
 */
import * as pulumi from "@pulumi/pulumi";
import { SovereigntyError } from "../components/errors";
import type { Zone } from "../components/sovereignty";
import { Color, PeerConfig, configKey } from "./config";
import { appDatabaseName } from "./apps";

/** The plain part of the peering outputs. */
export interface PeeringInfo {
    stack: string;
    zone: Zone;
    /** The region's aggregate subgraph (safe for gateways of any zone). */
    graphqlUrl: string;
    database: { host: string; port: number; user: string };
}

/** Stack output names of the contract. */
export const PEERING_OUTPUT = "peering";
export const PEERING_PASSWORD_OUTPUT = "peeringPassword";

/** A peer region as this stack uses it. */
export interface PeerEndpoint {
    graphqlUrl: pulumi.Input<string>;
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    user: pulumi.Input<string>;
    /** Secret. */
    password: pulumi.Output<string>;
}

/** Refuses a referenced stack whose zone differs from the peer's configured zone (config decides the flows). */
function checkedPeering(peer: PeerConfig, index: number, info: PeeringInfo | undefined): PeeringInfo {
    const path = `${configKey("peers")}[${index}]`;
    if (info === undefined || info === null || typeof info !== "object" || !info.database) {
        throw new SovereigntyError(`${path}.stackReference`, `stack "${peer.stackReference}" exports no "${PEERING_OUTPUT}" output`, "a regional stack of this project (deployed)");
    }
    if (info.zone !== undefined && info.zone !== peer.zone) {
        throw new SovereigntyError(`${path}.zone`, `is "${peer.zone}" but stack "${peer.stackReference}" is in zone "${info.zone}"`, `"${info.zone}"`);
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
            user: peer.database.user,
            password: pulumi.secret(peer.database.password),
        };
    }
    const ref = new pulumi.StackReference(`peer-${peer.stack}`, { name: peer.stackReference! });
    const info = ref.getOutput(PEERING_OUTPUT).apply((value) => checkedPeering(peer, index, value as PeeringInfo | undefined));
    return {
        graphqlUrl: peer.graphqlUrl ?? info.graphqlUrl,
        host: info.database.host,
        port: info.database.port,
        user: info.database.user,
        password: pulumi.secret(ref.getOutput(PEERING_PASSWORD_OUTPUT) as pulumi.Output<string>),
    };
}

/** A peer colour's database as a mesh connection (TLS: both clouds' servers require it). */
export function peerConnection(endpoint: PeerEndpoint, color: Color) {
    return {
        host: endpoint.host, port: endpoint.port, database: appDatabaseName("backend", color),
        user: endpoint.user, password: endpoint.password, ssl: "require" as const,
    };
}
