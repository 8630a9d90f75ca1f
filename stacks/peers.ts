/**
 * Peer regions: what a regional stack publishes for its peers (the `peering` outputs) and how it
 * reads a peer's, from the peer's stack outputs (`pulumi.StackReference`) or from config.
 *
 * The contract, both ways:
 *   peering         { stack, zone, cloud, region, tables, graphqlUrl,
 *                     database: { host, port, database, user, publication } }   plain
 *   peeringPassword the password of the peering login `user`                    secret
 * `user` is the least-privilege login of the publication the region offers its peers (LOGIN,
 * replication, CONNECT on the peering database only, SELECT on the aggregate tables only), never
 * the server's administrator: a peer's stack subscribes its own colours with it and creates its
 * slots with it (see stacks/mesh.ts), and manages nothing on this region's server.
 * Every regional stack offers it, peers configured or not, so a new peer can subscribe first.
 *
 * Nothing read from a peer's stack is taken on trust: its stack name (the row filter and the
 * publication name are derived from it), zone, cloud, region and the tables its publication
 * holds are checked against this stack's config, and a contradiction is refused naming the config
 * key, the declared value and the peer's (checkedPeering).
 */
import * as pulumi from "@pulumi/pulumi";
import { SovereigntyError, type Zone } from "@agogsaas/pulumi";
import { PeerConfig, configKey } from "./config";
import { assertStacksAgree } from "./stack-contract";
import { AGGREGATE_TABLES, PEERING_DATABASE, peeringPublicationName } from "./mesh";

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
    /** The peer's name as its peers know it (the `region` value of its aggregate rows). */
    stack: string;
    zone: Zone;
    cloud: string;
    /** AWS region or Azure location. */
    region: string;
    /** The tables of the offered publication, sorted. */
    tables: string[];
    /** The region's aggregate subgraph (safe for gateways of any zone). */
    graphqlUrl: string;
    /** Absent only from stacks that predate the peering publication (refused). */
    database?: PeeringDatabaseInfo;
}

/** Stack output names of the contract. */
export const PEERING_OUTPUT = "peering";
export const PEERING_PASSWORD_OUTPUT = "peeringPassword";

/**
 * The outputs a stack offering a peering publication ends with: the contract, its login's password
 * (secret), and every subscription its mesh manages (bundled or not), for the operator tools.
 */
export function peeringOutputs(peering: unknown, password: pulumi.Input<string>, meshFlows: readonly { subscriptionName: string }[]): Record<string, unknown> {
    return {
        [PEERING_OUTPUT]: peering,
        [PEERING_PASSWORD_OUTPUT]: pulumi.secret(password),
        meshSubscriptions: meshFlows.map((flow) => flow.subscriptionName).sort(),
    };
}

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

/**
 * The peer stack's `peering` output, checked against its config entry `peers[index]`: refuses a
 * stack that exports none or an old contract, and every value that contradicts what config
 * declares (stack name, zone, cloud, region, tables, the publication derived from the name).
 */
export function checkedPeering(peer: PeerConfig, index: number, info: PeeringInfo | undefined): PeeringInfo {
    const path = `${configKey("peers")}[${index}]`;
    const source = `stack "${peer.stackReference}"`;
    if (info === undefined || info === null || typeof info !== "object") {
        throw new SovereigntyError(`${path}.stackReference`, `${source} exports no "${PEERING_OUTPUT}" output`, "a regional stack of this project (deployed)");
    }
    const db = info.database;
    if (db === undefined || db === null || typeof db !== "object") {
        throw new SovereigntyError(`${path}.stackReference`, `${source} offers no peering publication`, "that stack updated to offer its peering publication first");
    }
    const missing = (["stack", "zone", "cloud", "region", "tables"] as const).filter((field) => info[field] === undefined);
    if (typeof db.publication !== "string" || typeof db.database !== "string" || missing.length > 0) {
        // The oldest contract handed over the administrator's login: never use it; a contract without zone, cloud, region and tables cannot be checked.
        throw new SovereigntyError(`${path}.stackReference`, `${source} exports an older peering contract (no ${missing.length > 0 ? missing.join(", ") : "publication"})`, "that stack updated and deployed first");
    }
    const peering = (field: string) => `${PEERING_OUTPUT}.${field}`;
    assertStacksAgree(source, [
        { key: `${path}.stack`, declared: peer.stack, output: peering("stack"), exported: info.stack },
        { key: `${path}.zone`, declared: peer.zone, output: peering("zone"), exported: info.zone },
        { key: `${path}.cloud`, declared: peer.cloud, output: peering("cloud"), exported: info.cloud },
        { key: `${path}.region`, declared: peer.region, output: peering("region"), exported: info.region },
        {
            key: `${path}.tables`, keyNote: peer.tables === undefined ? "(default: every aggregate table)" : undefined,
            declared: [...(peer.tables ?? AGGREGATE_TABLES)].sort(), output: peering("tables"), exported: [...info.tables].sort(),
        },
        // The subscriptions name the publication after the peer's stack (stacks/mesh.ts).
        { key: `${path}.stack`, keyNote: `(publication "${peeringPublicationName(peer.stack)}")`, declared: peeringPublicationName(peer.stack), output: peering("database.publication"), exported: db.publication },
    ]);
    return info;
}

/**
 * The peer's endpoint: from config when given there, else from its stack's outputs, checked
 * (checkedPeering) before the caller registers anything, so a contradiction creates nothing.
 */
export async function peerEndpoint(peer: PeerConfig, index: number): Promise<PeerEndpoint> {
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
    const info = checkedPeering(peer, index, (await ref.getOutputDetails(PEERING_OUTPUT)).value as PeeringInfo | undefined);
    const db = info.database!;
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
