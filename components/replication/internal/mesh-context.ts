/**
 * What every step of building a ReplicationMesh reads: the component (its name prefixes every
 * child's, it parents every child), the validated plan, and per node its one admin connection
 * and the options its children get.
 */
import * as pulumi from "@pulumi/pulumi";
import { PgConnection, PgConnectionInput } from "../../postgres/connection";
import { secretInput } from "../../postgres/secret-input";
import type { MeshPlan } from "../validation";
import type { MeshNode } from "../args";

export class MeshContext {
    private readonly admins = new Map<string, pulumi.Output<PgConnection>>();
    private readonly offeringServers: Set<string>;

    constructor(
        /** The component's name: every child's name starts with it. */
        public readonly meshName: string,
        /** The component: every child's parent. */
        public readonly parent: pulumi.Resource,
        public readonly plan: MeshPlan,
    ) {
        this.offeringServers = new Set(plan.publications.map((p) => serverOf(this.node(p.node))));
    }

    node(name: string): MeshNode {
        return this.plan.nodes.get(name)!;
    }

    /** The node's admin connection: one secret Output shared by every child that connects to it (not one chain per use). */
    admin(name: string): pulumi.Output<PgConnection> {
        let output = this.admins.get(name);
        if (!output) {
            output = secretInput(this.node(name).connection as pulumi.Input<PgConnectionInput>) as pulumi.Output<PgConnection>;
            this.admins.set(name, output);
        }
        return output;
    }

    /**
     * Whether the node's server has a node offering a publication to other stacks. A login handed to
     * another stack could stream any publication of any database it may CONNECT to, so on such a
     * server every database the mesh manages refuses it (a ConnectRestriction).
     */
    onOfferingServer(name: string): boolean {
        return this.offeringServers.has(serverOf(this.node(name)));
    }

    /** Options of a child living on node `livesOn`, waiting for `dependsOn` when given. */
    childOptions(livesOn: string, dependsOn?: pulumi.Resource[]): pulumi.CustomResourceOptions {
        // Objects living on an offline node are frozen: the engine has nothing to ask of it.
        const frozen = this.node(livesOn).offline ? { ignoreChanges: ["*"], retainOnDelete: true } : {};
        return { parent: this.parent, ...frozen, ...(dependsOn !== undefined ? { dependsOn } : {}) };
    }
}

/** Nodes with the same `server` label share one PostgreSQL server; without one, a node is alone on its own. */
function serverOf(node: MeshNode): string {
    return node.server ?? `node:${node.name}`;
}
