/**
 * FacilityFallback (`agogsaas:fallback:FacilityFallback`): the step of a cloud fallback that moves
 * data, declared after the ReplicationMesh that {@link fallbackPlan} rewrote.
 *
 *   // mode "fallback": the edge edge_la is lost; its workspace takes over
 *   const mesh = new ReplicationMesh("m", { ...fallbackPlan("mode", nodes, flows, "edge_la", workspaceNode) });
 *   const fb = new FacilityFallback("la", { mode: "fallback", mesh, node: "edge_la_fallback",
 *       login: { user: "agogsaas", password: edgeAppPassword } });
 *   export const workspaceUrl = fb.url;
 *
 *   // mode "return": a new edge stands at the facility's address (after `pulumi up --refresh`)
 *   new FacilityFallback("la", { mode: "return", mesh, node: "edge_la", workspace: workspaceAdmin, login: { user: "agogsaas" } });
 *
 * fallback: seeds the workspace from the region (the facility's latest replicated rows), then opens
 * the facility's login there with the edge's password: the factory's apps point at `url`.
 * return: closes that login, waits until the region has every row written in the cloud, seeds the
 * new edge from the region. See seed.ts for the data side and docs/dr.md for the runbook.
 */
import * as pulumi from "@pulumi/pulumi";
import { ValidationError, oneOf } from "../shared/errors";
import type { ReplicationMesh } from "../replication/replication-mesh";
import type { PgConnectionInput } from "../postgres/connection";
import { assertSqlIdentifier } from "../postgres/sql";
import { FacilitySeed } from "./facility-seed";
import { FacilityMode, fallbackLoginUser, fallbackNodeName } from "./plan";

export interface FacilityFallbackArgs {
    /** "fallback" (seed the workspace, open the login) or "return" (drain the workspace, seed the new edge). Required. */
    mode: Exclude<FacilityMode, "edge">;
    /** The mesh the fallback plan was applied to; its publications and subscriptions exist before the seeding starts. Required. */
    mesh: ReplicationMesh;
    /** Mesh node seeded: the workspace (`<edge>_fallback`) in fallback mode, the edge in return mode. Required. */
    node: string;
    /** Admin connection to the workspace (password as a secret), drained in return mode; required then, refused in fallback mode. */
    workspace?: pulumi.Input<PgConnectionInput>;
    /** The facility's login: opened on the workspace with `password` (fallback; required there), closed on it (return). Default none. */
    login?: { user: string; password?: pulumi.Input<string> };
    /** Host the facility's applications use to reach the workspace, for `url`; default the node connection's host. */
    publicHost?: pulumi.Input<string>;
    /** Port for `url`; default the node connection's port. */
    publicPort?: pulumi.Input<number>;
    /** Give up waiting (drain, table copies) after this long, ms; default 600 000. */
    timeoutMs?: number;
}

export class FacilityFallback extends pulumi.ComponentResource {
    /** The seeding resource (its `report` says what was copied). */
    public readonly seed: FacilitySeed;
    /** Fallback mode: `postgres://<login>@<host>:<port>/<workspace database>` (no password); return mode: undefined. */
    public readonly url: pulumi.Output<string> | undefined;

    constructor(name: string, args: FacilityFallbackArgs, opts?: pulumi.ComponentResourceOptions) {
        const field = (key: string) => `FacilityFallback ${name}: ${key}`;
        if (args?.mode !== "fallback" && args?.mode !== "return") throw new ValidationError(field("mode"), `${JSON.stringify(args?.mode)} is not a mode this component handles`, '"fallback" or "return" (mode "edge" needs no FacilityFallback)');
        const plan = args.mesh?.plan;
        if (plan === undefined) throw new ValidationError(field("mesh"), "missing: the ReplicationMesh the fallback plan was applied to");
        const node = plan.nodes.get(args.node);
        if (node === undefined || node.role !== "edge") throw new ValidationError(field("node"), `${JSON.stringify(args.node)} is not an edge-role node of the mesh`, oneOf([...plan.nodes.values()].filter((n) => n.role === "edge").map((n) => n.name)));
        const isWorkspace = [...plan.nodes.keys()].some((n) => fallbackNodeName(n) === args.node);
        if (args.mode === "fallback" && !isWorkspace) throw new ValidationError(field("node"), `"${args.node}" is not a fallback workspace`, `"<edge>_fallback" (fallbackPlan adds it)`);
        if (args.mode === "return" && isWorkspace) throw new ValidationError(field("node"), `"${args.node}" is the workspace; return mode seeds the edge`, "the edge node's name");
        if (node.offline) throw new ValidationError(field("node"), `mesh node "${args.node}" is offline: nothing can be seeded there`);
        if (args.mode === "return" && args.workspace === undefined) throw new ValidationError(field("workspace"), "missing: return mode drains the workspace before seeding the edge", "the workspace's admin connection");
        if (args.mode === "fallback" && args.workspace !== undefined) throw new ValidationError(field("workspace"), "only return mode drains a workspace");
        if (args.login !== undefined) assertSqlIdentifier(field("login.user"), args.login.user);
        if (args.mode === "fallback" && args.login !== undefined && args.login.password === undefined) throw new ValidationError(field("login.password"), "missing: the workspace opens the facility's login with its password");
        const subscribers = plan.flows.filter((f) => f.from === args.node && plan.nodes.get(f.to)?.role === "regional");
        if (subscribers.length === 0) throw new ValidationError(field("node"), `mesh node "${args.node}" publishes to no regional node: there is nothing to seed from`);

        super("agogsaas:fallback:FacilityFallback", name, {}, opts);
        const connectionOf = (nodeName: string) => plan.nodes.get(nodeName)!.connection as pulumi.Input<PgConnectionInput>;
        // One name per mode: the return's seeding is a new resource, created before the fallback's
        // is deleted (which closes the workspace login only once the drain has run).
        this.seed = new FacilitySeed(`${name}-${args.mode}-seed`, {
            connection: connectionOf(args.node),
            subscribers: subscribers.map((f) => ({ region: connectionOf(f.to), subscription: f.subscriptionName, publication: f.publicationName })),
            ...(args.mode === "return" ? { drain: { workspace: args.workspace!, ...(args.login ? { login: args.login.user } : {}) } } : {}),
            ...(args.mode === "fallback" && args.login ? { login: { user: args.login.user, password: args.login.password! } } : {}),
            timeoutMs: args.timeoutMs,
        }, { parent: this, dependsOn: [args.mesh] });
        const connection = pulumi.output(connectionOf(args.node));
        const user = args.login?.user;
        this.url = args.mode === "fallback"
            // No password in it: not a secret, though the connection it is read from is one.
            ? pulumi.unsecret(pulumi.all([connection.host, connection.port, connection.database, args.publicHost, args.publicPort])
                .apply(([host, port, database, publicHost, publicPort]) => `postgres://${user ?? "<login>"}@${publicHost ?? host}:${publicPort ?? port}/${database}`))
            : undefined;
        this.registerOutputs({ url: this.url, report: this.seed.report });
    }
}

/** What a stack knows of one facility, for {@link facilityFallbackFor}. */
export interface FacilityFallbackSource {
    /** The facility's mode. Required. */
    mode: FacilityMode;
    /** The mesh the fallback plan was applied to. Required. */
    mesh: ReplicationMesh;
    /** The facility's edge node. Required. */
    edgeNode: string;
    /** The edge's database password, which the workspace login takes (read in mode "fallback" only). Required. */
    loginPassword: () => pulumi.Input<string>;
    /** The workspace's admin connection, drained in mode "return" (read then only). Required. */
    workspace: () => pulumi.Input<PgConnectionInput>;
}

/**
 * The FacilityFallback a facility's mode asks for, with the naming rules of plan.ts: mode
 * "fallback" seeds the workspace `<edge>_fallback` and opens the login `<edge>_app`; mode
 * "return" drains that workspace and seeds the edge; mode "edge" needs none (undefined).
 */
export function facilityFallbackFor(name: string, source: FacilityFallbackSource, opts?: pulumi.ComponentResourceOptions): FacilityFallback | undefined {
    const user = fallbackLoginUser(source.edgeNode);
    switch (source.mode) {
        case "edge":
            return undefined;
        case "fallback":
            return new FacilityFallback(name, { mode: "fallback", mesh: source.mesh, node: fallbackNodeName(source.edgeNode), login: { user, password: source.loginPassword() } }, opts);
        case "return":
            // The workspace is no longer declared: it is drained here and deleted once the update is done.
            return new FacilityFallback(name, { mode: "return", mesh: source.mesh, node: source.edgeNode, workspace: source.workspace(), login: { user } }, opts);
    }
}
