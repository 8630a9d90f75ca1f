/**
 * Where the mesh registers its per-node and per-flow PostgreSQL objects (catalog tables,
 * replication role, a flow's publication and subscription). The mesh builds each object's
 * arguments and what it waits for once, and hands it to one MeshObjectPlacement:
 *
 * - StandalonePlacement: each object is a resource of its own;
 * - EdgeBundlePlacement (`bundleEdges`): an edge's objects are items of that edge's one
 *   ReplicationBundle, registered by `registerBundles` once every object is placed; the objects
 *   of other nodes go through to StandalonePlacement.
 *
 * An object placed in a bundle has no resource of its own: the methods then return undefined, and
 * nothing waits for it (the bundle's items run in order, and the bundle waits for what its items need).
 */
import * as pulumi from "@pulumi/pulumi";
import type { PgConnectionInput } from "../../postgres/connection";
import type { PlannedFlow } from "../args";
import { CatalogTables, CatalogTablesArgs, catalogTablesResourceInputs } from "../catalog-tables";
import { ReplicationRole, ReplicationRoleArgs, replicationRoleResourceInputs } from "../role";
import { Publication, PublicationArgs, publicationResourceInputs } from "../publication";
import { Subscription, SubscriptionArgs, subscriptionResourceInputs } from "../subscription";
import { ReplicationBundle, ReplicationBundleItemArgs } from "../bundle";
import type { MeshContext } from "./mesh-context";

export interface MeshObjectPlacement {
    /** The catalog tables on `node`. */
    catalogTables(node: string, args: CatalogTablesArgs): CatalogTables | undefined;
    /** The replication role on publishing node `node`, after `dependsOn`. */
    replicationRole(node: string, args: ReplicationRoleArgs, dependsOn: pulumi.Resource[]): ReplicationRole | undefined;
    /** The flow's publication, on `flow.from`, after `dependsOn`. */
    publication(flow: PlannedFlow, args: PublicationArgs, dependsOn: pulumi.Resource[]): Publication | undefined;
    /** The flow's subscription, on `flow.to`, after `dependsOn`. */
    subscription(flow: PlannedFlow, args: SubscriptionArgs, dependsOn: pulumi.Resource[]): Subscription | undefined;
    /** Registers the bundles collected, by edge node name; called once, after the last object. */
    registerBundles(): Record<string, ReplicationBundle>;
}

export class StandalonePlacement implements MeshObjectPlacement {
    constructor(private readonly mesh: MeshContext) {}

    catalogTables(node: string, args: CatalogTablesArgs): CatalogTables {
        return new CatalogTables(this.childName(`${node}-tables`), args, this.mesh.childOptions(node));
    }

    replicationRole(node: string, args: ReplicationRoleArgs, dependsOn: pulumi.Resource[]): ReplicationRole {
        return new ReplicationRole(this.childName(`${node}-repl-role`), args, this.mesh.childOptions(node, dependsOn));
    }

    publication(flow: PlannedFlow, args: PublicationArgs, dependsOn: pulumi.Resource[]): Publication {
        return new Publication(this.childName(`${flow.publicationName}-pub`), args, this.mesh.childOptions(flow.from, dependsOn));
    }

    subscription(flow: PlannedFlow, args: SubscriptionArgs, dependsOn: pulumi.Resource[]): Subscription {
        return new Subscription(this.childName(`${flow.subscriptionName}-sub`), args, this.mesh.childOptions(flow.to, dependsOn));
    }

    registerBundles(): Record<string, ReplicationBundle> {
        return {};
    }

    private childName(suffix: string): string {
        return `${this.mesh.meshName}-${suffix}`;
    }
}

/** Item sections of a bundle, in the order they run: tables and role, the publications, then the subscriptions that read them. */
const SECTIONS = ["setup", "publications", "subscriptions"] as const;
type Section = (typeof SECTIONS)[number];

/** One edge's bundle while it is being collected. */
interface CollectedBundle {
    items: Record<Section, ReplicationBundleItemArgs[]>;
    /** Connections its items name, each given once. */
    connections: Map<string, pulumi.Input<PgConnectionInput>>;
    /** Resources outside the bundle that its items need. */
    dependsOn: Set<pulumi.Resource>;
}

/** Connection inputs of an item, by input field: the name the bundle gives the connection, and the connection. */
type NamedConnections = Record<string, [name: string, connection: pulumi.Input<PgConnectionInput>]>;

export class EdgeBundlePlacement implements MeshObjectPlacement {
    private readonly standalone: StandalonePlacement;
    private readonly bundles = new Map<string, CollectedBundle>();

    constructor(private readonly mesh: MeshContext) {
        this.standalone = new StandalonePlacement(mesh);
    }

    catalogTables(node: string, args: CatalogTablesArgs): CatalogTables | undefined {
        if (!this.bundled(node)) return this.standalone.catalogTables(node, args);
        this.collect(node, "setup", { key: "tables", kind: "tables", frozen: this.mesh.node(node).offline, inputs: catalogTablesResourceInputs(args) },
            { connection: this.admin(node) }, []);
        return undefined;
    }

    replicationRole(node: string, args: ReplicationRoleArgs, dependsOn: pulumi.Resource[]): ReplicationRole | undefined {
        if (!this.bundled(node)) return this.standalone.replicationRole(node, args, dependsOn);
        this.collect(node, "setup", { key: "role", kind: "role", frozen: this.mesh.node(node).offline, inputs: replicationRoleResourceInputs(args) },
            { connection: this.admin(node) }, dependsOn);
        return undefined;
    }

    publication(flow: PlannedFlow, args: PublicationArgs, dependsOn: pulumi.Resource[]): Publication | undefined {
        const edge = this.bundleOf(flow);
        if (edge === undefined) return this.standalone.publication(flow, args, dependsOn);
        this.collect(edge, "publications", {
            key: `pub:${flow.publicationName}`, kind: "publication", frozen: this.mesh.node(flow.from).offline, inputs: publicationResourceInputs(args),
        }, { connection: this.admin(flow.from) }, dependsOn);
        return undefined;
    }

    subscription(flow: PlannedFlow, args: SubscriptionArgs, dependsOn: pulumi.Resource[]): Subscription | undefined {
        const edge = this.bundleOf(flow);
        if (edge === undefined) return this.standalone.subscription(flow, args, dependsOn);
        this.collect(edge, "subscriptions", {
            key: `sub:${flow.subscriptionName}`, kind: "subscription", frozen: this.mesh.node(flow.to).offline, inputs: subscriptionResourceInputs(args),
        }, { connection: this.admin(flow.to), publisher: [`login_${flow.from}`, args.publisher], publisherAdmin: this.admin(flow.from) }, dependsOn);
        return undefined;
    }

    registerBundles(): Record<string, ReplicationBundle> {
        const registered: Record<string, ReplicationBundle> = {};
        for (const [edge, bundle] of this.bundles) {
            registered[edge] = new ReplicationBundle(`${this.mesh.meshName}-${edge}-replication`, {
                bundleName: edge,
                connections: Object.fromEntries([...bundle.connections].sort(([a], [b]) => a.localeCompare(b))),
                items: SECTIONS.flatMap((section) => bundle.items[section]),
            }, { parent: this.mesh.parent, dependsOn: [...bundle.dependsOn] });
        }
        return registered;
    }

    /**
     * Whether the node's objects go into its bundle: an edge's, unless its own stack manages it or
     * it shares a server with an offered publication (its role is then a dependency of resources
     * outside the bundle: the offered roles and the CONNECT restriction).
     */
    private bundled(node: string): boolean {
        const at = this.mesh.node(node);
        return at.role === "edge" && at.external !== true && !this.mesh.onOfferingServer(node);
    }

    /** The bundle a flow's publication and subscription go into: its publisher's, else its subscriber's, else none. */
    private bundleOf(flow: PlannedFlow): string | undefined {
        return this.bundled(flow.from) ? flow.from : this.bundled(flow.to) ? flow.to : undefined;
    }

    private admin(node: string): [string, pulumi.Input<PgConnectionInput>] {
        return [`admin_${node}`, this.mesh.admin(node)];
    }

    /** Adds an item to `edge`'s bundle; its connection inputs name the bundle's shared connections instead of repeating them. */
    private collect(edge: string, section: Section, item: ReplicationBundleItemArgs, named: NamedConnections, dependsOn: pulumi.Resource[]): void {
        let bundle = this.bundles.get(edge);
        if (!bundle) {
            bundle = { items: { setup: [], publications: [], subscriptions: [] }, connections: new Map(), dependsOn: new Set() };
            this.bundles.set(edge, bundle);
        }
        const inputs = { ...item.inputs };
        for (const [field, [name, connection]] of Object.entries(named)) {
            delete inputs[field];
            bundle.connections.set(name, connection);
        }
        bundle.items[section].push({ ...item, inputs, connections: Object.fromEntries(Object.entries(named).map(([field, [name]]) => [field, name])) });
        dependsOn.forEach((d) => bundle.dependsOn.add(d));
    }
}
