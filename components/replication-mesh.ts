/**
 * ReplicationMesh (`agogsaas:replication:ReplicationMesh`): PostgreSQL logical replication between
 * edge, regional (blue/green) and peer-region databases, as pg-based Pulumi dynamic resources.
 *
 *   new ReplicationMesh("mesh", {
 *       nodes: [
 *           { name: "edge_la", zone: "us", role: "edge", connection: laAdmin },
 *           { name: "us_east_blue", zone: "us", role: "regional", connection: blueAdmin },
 *       ],
 *       flows: [{ from: "edge_la", to: "us_east_blue", tables: ["orders"],
 *                 rowFilter: { column: "facility_id", equals: "facility-la-001" } }],
 *   });
 *
 * Everything is validated (components/replication/validation.ts) before a single resource is
 * registered. Then, per node: the catalog tables it needs; per publishing node: a least-privilege
 * replication role (random password unless given); per flow: a publication on `from` and a
 * subscription on `to` (slot created separately, two-way pairs with origin = none); per regional
 * node receiving facility rows: the edge-priority guard. Connections and passwords are secret
 * inputs and outputs of every child.
 *
 * Across stacks (peer regions) each side manages only its own servers: the publisher offers a
 * publication (`publications`) with a login role of its own, and revokes CONNECT from PUBLIC on
 * every database the mesh manages on that server (PostgreSQL has no privileges on publications);
 * the subscriber's mesh declares that publisher as an `external` node, whose `connection` logs
 * in as the offered role, and subscribes to the named publication: no admin login crosses.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { TABLE_CATALOG } from "./sovereignty";
import { PgConnection, PgConnectionInput } from "./postgres/connection";
import { collectRecord } from "./output-parts";
import { secretInput } from "./postgres/secret-input";
import { validateMesh, MeshPlan } from "./replication/validation";
import { replicationRoleName } from "./replication/naming";
import { CatalogTables } from "./replication/schema-provider";
import { ReplicationRole } from "./replication/role-provider";
import { Publication } from "./replication/publication-provider";
import { Subscription } from "./replication/subscription-provider";
import { ConnectRestriction } from "./replication/connect-restriction";
import { EdgePriorityGuard } from "./replication/edge-priority";
import { ReplicationBundle, ReplicationBundleItemArgs } from "./replication/bundle-provider";
import { catalogTablesResourceInputs } from "./replication/schema-provider";
import { replicationRoleResourceInputs } from "./replication/role-provider";
import { publicationResourceInputs } from "./replication/publication-provider";
import { subscriptionResourceInputs } from "./replication/subscription-provider";
import { MeshFlow, MeshNode, MeshPublication, PlannedFlow } from "./replication/types";
import { MeshTopology } from "./replication/status";

export type { MeshFlow, MeshNode, MeshPublication, FlowOptions, NodeRole, PublishAction } from "./replication/types";
export type { RowFilter } from "./replication/row-filter";

export interface ReplicationMeshArgs {
    /** Databases taking part (see MeshNode for every field and its default). At least one. Required. */
    nodes: MeshNode[];
    /** Table sets replicated between nodes (see MeshFlow). Default none. */
    flows?: MeshFlow[];
    /** Install the edge-priority guard on regional nodes that receive facility rows; default true. */
    edgePriority?: boolean;
    /** Publications offered to subscribers that other stacks manage, each with its own login role (see MeshPublication). Default none. */
    publications?: MeshPublication[];
    /**
     * Register each edge node's objects (its tables, role, and the publications and subscriptions of
     * every flow it takes part in) as ONE resource, a ReplicationBundle, instead of about eight;
     * default false. For fleets: evaluation cost is per resource. Changes and drift are then
     * reported per edge. Choose it before the first deployment: switching drops and re-creates the objects.
     */
    bundleEdges?: boolean;
}

/** An offered publication and the login its subscribers use. */
export interface OfferedPublication {
    publication: Publication;
    role: ReplicationRole;
    /** The login role's name (plain). */
    user: string;
    /** Its password (secret). */
    password: pulumi.Output<string>;
}

/** Facilities whose operational rows each regional node receives from edges (directly or via another regional node). */
export function edgeOwnedFacilities(plan: MeshPlan): Map<string, { tables: Set<string>; facilities: Set<string> }> {
    const owned = new Map<string, { tables: Set<string>; facilities: Set<string> }>();
    const entry = (node: string) => {
        if (!owned.has(node)) owned.set(node, { tables: new Set(), facilities: new Set() });
        return owned.get(node)!;
    };
    const operational = (flow: PlannedFlow) => flow.tables.filter((t) => TABLE_CATALOG[t].class === "operational");
    const role = (node: string) => plan.nodes.get(node)!.role;
    for (const flow of plan.flows) {
        if (role(flow.from) !== "edge" || role(flow.to) !== "regional" || operational(flow).length === 0) continue;
        const target = entry(flow.to);
        operational(flow).forEach((t) => target.tables.add(t));
        if (flow.rowFilter?.column === "facility_id") {
            const values = "equals" in flow.rowFilter ? [flow.rowFilter.equals] : flow.rowFilter.in;
            values.forEach((v) => target.facilities.add(String(v)));
        }
    }
    // Regional -> regional (blue -> green, same zone): the copy is as much the edge's as the original.
    for (let changed = true; changed;) {
        changed = false;
        for (const flow of plan.flows) {
            const source = owned.get(flow.from);
            if (!source || role(flow.to) !== "regional") continue;
            const tables = operational(flow).filter((t) => source.tables.has(t));
            if (tables.length === 0) continue;
            const target = entry(flow.to);
            const before = target.tables.size + target.facilities.size;
            tables.forEach((t) => target.tables.add(t));
            source.facilities.forEach((f) => target.facilities.add(f));
            if (target.tables.size + target.facilities.size !== before) changed = true;
        }
    }
    return owned;
}

export class ReplicationMesh extends pulumi.ComponentResource {
    /** Publications by flow object name (`mesh_<from>_to_<to>`). */
    public readonly publications: Record<string, Publication> = {};
    /** Subscriptions by flow object name. */
    public readonly subscriptions: Record<string, Subscription> = {};
    /** Replication roles by publishing node name. */
    public readonly roles: Record<string, ReplicationRole> = {};
    /** Edge-priority guards by regional node name. */
    public readonly guards: Record<string, EdgePriorityGuard> = {};
    /** Publications offered to other stacks' subscribers, by publication name. */
    public readonly offered: Record<string, OfferedPublication> = {};
    /** CONNECT restrictions by node name (every managed node on a server that offers a publication). */
    public readonly connectRestrictions: Record<string, ConnectRestriction> = {};
    /** With `bundleEdges`: each edge node's objects as one resource, by edge node name (they are then not in the records above). */
    public readonly bundles: Record<string, ReplicationBundle> = {};
    /** The validated plan (flows with effective options), for tools and tests. */
    public readonly plan: MeshPlan;
    /**
     * Non-secret topology for `npm run mesh:status` and monitoring (no passwords), built on first
     * read: it combines every node's connection, which at 1,000 edges costs more than a program that
     * does not export it should pay (docs/scale.md).
     */
    public get topology(): pulumi.Output<MeshTopology> {
        return this.topologyOutput ??= this.buildTopology();
    }
    private topologyOutput?: pulumi.Output<MeshTopology>;
    private readonly buildTopology: () => pulumi.Output<MeshTopology>;

    constructor(name: string, args: ReplicationMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate first: nothing (not even this component) is registered when the mesh is wrong.
        const plan = validateMesh(args?.nodes, args?.flows ?? [], args?.publications ?? []);
        // Args are not handed to super(): the engine would store them as the component's inputs in state,
        // and a password given as a plain string there would not be encrypted. Children carry them instead.
        super("agogsaas:replication:ReplicationMesh", name, {}, opts);
        this.plan = plan;

        const node = (nodeName: string) => plan.nodes.get(nodeName)!;
        // Objects living on an offline node are frozen: the engine has nothing to ask of it.
        const on = (nodeName: string): pulumi.CustomResourceOptions => (node(nodeName).offline ? { ignoreChanges: ["*"], retainOnDelete: true } : {});
        // One secret Output per node, shared by every child that connects to it (not one chain per use).
        const admins = new Map<string, pulumi.Output<PgConnection>>();
        const admin = (nodeName: string): pulumi.Output<PgConnection> => {
            let output = admins.get(nodeName);
            if (!output) {
                output = secretInput(node(nodeName).connection as pulumi.Input<PgConnectionInput>) as pulumi.Output<PgConnection>;
                admins.set(nodeName, output);
            }
            return output;
        };

        // A login handed to another stack could stream any publication of any database it may
        // CONNECT to: on a server offering a publication, every database the mesh manages refuses it.
        const serverOf = (n: MeshNode) => n.server ?? `node:${n.name}`;
        const offeringServers = new Set(plan.publications.map((p) => serverOf(node(p.node))));

        // bundleEdges: an edge's objects go into its bundle (not an edge on a server offering
        // publications: its role is then a dependency of resources outside the bundle).
        const bundled = (nodeName: string) => args.bundleEdges === true && node(nodeName).role === "edge"
            && node(nodeName).external !== true && !offeringServers.has(serverOf(node(nodeName)));
        const bundleOwner = (flow: PlannedFlow) => (bundled(flow.from) ? flow.from : bundled(flow.to) ? flow.to : undefined);
        type BundleParts = {
            setup: ReplicationBundleItemArgs[]; publications: ReplicationBundleItemArgs[]; subscriptions: ReplicationBundleItemArgs[];
            connections: Map<string, pulumi.Output<PgConnection>>; dependsOn: Set<pulumi.Resource>;
        };
        const bundleParts = new Map<string, BundleParts>();
        const bundleOf = (edge: string) => {
            let parts = bundleParts.get(edge);
            if (!parts) bundleParts.set(edge, parts = { setup: [], publications: [], subscriptions: [], connections: new Map(), dependsOn: new Set() });
            return parts;
        };
        // An item of `edge`'s bundle whose connection inputs name the bundle's shared connections instead of repeating them.
        const bundleItem = (edge: string, item: ReplicationBundleItemArgs, named: Record<string, [name: string, connection: pulumi.Output<PgConnection>]>): ReplicationBundleItemArgs => {
            const inputs = { ...item.inputs };
            for (const [field, [connectionName, connection]] of Object.entries(named)) {
                delete inputs[field];
                bundleOf(edge).connections.set(connectionName, connection);
            }
            return { ...item, inputs, connections: Object.fromEntries(Object.entries(named).map(([field, [connectionName]]) => [field, connectionName])) };
        };
        const adminRef = (nodeName: string): [string, pulumi.Output<PgConnection>] => [`admin_${nodeName}`, admin(nodeName)];

        const tablesAt = new Map<string, Set<string>>();
        for (const flow of plan.flows) {
            for (const end of [flow.from, flow.to]) {
                const set = tablesAt.get(end) ?? new Set<string>();
                flow.tables.forEach((t) => set.add(t));
                tablesAt.set(end, set);
            }
        }
        for (const offered of plan.publications) {
            const set = tablesAt.get(offered.node) ?? new Set<string>();
            offered.tables.forEach((t) => set.add(t));
            tablesAt.set(offered.node, set);
        }
        const schema = new Map<string, CatalogTables>();
        for (const [nodeName, tables] of tablesAt) {
            if (node(nodeName).manageSchema === false || node(nodeName).external === true) continue;
            if (bundled(nodeName)) {
                bundleOf(nodeName).setup.push(bundleItem(nodeName, {
                    key: "tables", kind: "tables", frozen: node(nodeName).offline,
                    inputs: catalogTablesResourceInputs({ connection: admin(nodeName), tables: [...tables].sort() }),
                }, { connection: adminRef(nodeName) }));
                continue;
            }
            schema.set(nodeName, new CatalogTables(`${name}-${nodeName}-tables`, { connection: admin(nodeName), tables: [...tables].sort() }, { parent: this, ...on(nodeName) }));
        }
        const schemaDeps = (nodeName: string) => (schema.has(nodeName) ? [schema.get(nodeName)!] : []);

        const passwords = new Map<string, pulumi.Output<string>>();
        const publishedTables = new Map<string, Set<string>>();
        for (const flow of plan.flows) {
            const tables = publishedTables.get(flow.from) ?? new Set<string>();
            flow.tables.forEach((t) => tables.add(t));
            publishedTables.set(flow.from, tables);
        }
        for (const publisher of publishedTables.keys()) {
            if (node(publisher).external === true) continue; // its stack made the role it gave us
            const given = node(publisher).replicationPassword;
            const password = given !== undefined
                ? pulumi.secret(given)
                : new random.RandomPassword(`${name}-${publisher}-repl-password`, { length: 32, special: false }, { parent: this }).result;
            passwords.set(publisher, password);
            const published = [...publishedTables.get(publisher)!].sort();
            const roleArgs = {
                connection: admin(publisher),
                roleName: replicationRoleName(publisher),
                password,
                tables: published,
                replicationAttribute: node(publisher).replicationGrantRoles === undefined,
                grantRoles: node(publisher).replicationGrantRoles,
            };
            if (bundled(publisher)) {
                bundleOf(publisher).setup.push(bundleItem(publisher, {
                    key: "role", kind: "role", frozen: node(publisher).offline, inputs: replicationRoleResourceInputs(roleArgs),
                }, { connection: adminRef(publisher) }));
                continue;
            }
            this.roles[publisher] = new ReplicationRole(`${name}-${publisher}-repl-role`, roleArgs, { parent: this, ...on(publisher), dependsOn: schemaDeps(publisher) });
        }

        // How subscribers log in to a publisher: the same for every flow it publishes, so built once per publisher.
        const logins = new Map<string, pulumi.Output<PgConnection>>();
        const replicationLogin = (publisherName: string): pulumi.Output<PgConnection> => {
            let login = logins.get(publisherName);
            if (!login) {
                const from = node(publisherName);
                // An external node's connection already logs in as its replication role.
                const external = from.external === true;
                // From the node's shared admin Output (an Output, so the collected parts are one Output;
                // pulumi.all would make two per part, which shows at 1,000 edges).
                type LoginParts = { conn: PgConnection; host?: string; port?: number | string; password?: string };
                const parts = collectRecord<unknown>({
                    conn: admin(publisherName), host: from.replicationHost, port: from.replicationPort, password: external ? undefined : passwords.get(publisherName),
                }) as unknown as pulumi.Output<LoginParts>;
                login = secretInput(parts.apply(({ conn, host, port, password }) => ({
                    host: host ?? conn.host, port: Number(port ?? conn.port), database: conn.database,
                    user: external ? conn.user : replicationRoleName(publisherName), password: external ? conn.password : password!, ssl: conn.ssl ?? "disable",
                }))) as pulumi.Output<PgConnection>;
                logins.set(publisherName, login);
            }
            return login;
        };

        for (const flow of plan.flows) {
            const from = node(flow.from);
            const owner = bundleOwner(flow);
            // From an external node: its stack created the publication (and the role we log in as).
            const publisherObjects: pulumi.Resource[] = [];
            if (from.external !== true) {
                const publicationArgs = {
                    connection: admin(flow.from),
                    publicationName: flow.publicationName,
                    tables: flow.tables,
                    rowFilter: flow.rowFilter,
                    publish: flow.options.publish,
                };
                if (owner !== undefined) {
                    bundleOf(owner).publications.push(bundleItem(owner, {
                        key: `pub:${flow.publicationName}`, kind: "publication", frozen: from.offline, inputs: publicationResourceInputs(publicationArgs),
                    }, { connection: adminRef(flow.from) }));
                    schemaDeps(flow.from).forEach((d) => bundleOf(owner).dependsOn.add(d));
                    if (this.roles[flow.from]) publisherObjects.push(this.roles[flow.from]);
                } else {
                    const publication = new Publication(`${name}-${flow.publicationName}-pub`, publicationArgs,
                        { parent: this, ...on(flow.from), dependsOn: schemaDeps(flow.from) });
                    this.publications[flow.publicationName] = publication;
                    publisherObjects.push(publication, this.roles[flow.from]);
                }
            }

            const publisher = replicationLogin(flow.from);
            const subscriptionArgs = {
                connection: admin(flow.to),
                subscriptionName: flow.subscriptionName,
                publisher,
                // Slots need no admin: on an external node this is its replication role.
                publisherAdmin: admin(flow.from),
                publications: [flow.publicationName],
                tables: [...flow.tables].sort(),
                publisherZone: from.zone,
                subscriberZone: node(flow.to).zone,
                copyData: flow.options.copyData,
                streaming: flow.options.streaming,
                binary: flow.options.binary,
                disableOnError: flow.options.disableOnError,
                origin: flow.options.origin,
                // Reading from an offline node: kept, disabled, never dropped. One living on an
                // offline node is frozen instead (its inputs stay as they were).
                enabled: !from.offline,
            };
            if (owner !== undefined) {
                bundleOf(owner).subscriptions.push(bundleItem(owner, {
                    key: `sub:${flow.subscriptionName}`, kind: "subscription", frozen: node(flow.to).offline, inputs: subscriptionResourceInputs(subscriptionArgs),
                }, { connection: adminRef(flow.to), publisher: [`login_${flow.from}`, publisher], publisherAdmin: adminRef(flow.from) }));
                [...publisherObjects, ...schemaDeps(flow.to)].forEach((d) => bundleOf(owner).dependsOn.add(d));
            } else {
                this.subscriptions[flow.subscriptionName] = new Subscription(`${name}-${flow.subscriptionName}-sub`, subscriptionArgs,
                    { parent: this, ...on(flow.to), dependsOn: [...publisherObjects, ...schemaDeps(flow.to)] });
            }
        }
        // Per edge, in order: its tables and role, the publications, then the subscriptions that read them.
        for (const [edge, parts] of bundleParts) {
            this.bundles[edge] = new ReplicationBundle(`${name}-${edge}-replication`, {
                bundleName: edge,
                connections: Object.fromEntries([...parts.connections].sort(([a], [b]) => a.localeCompare(b))),
                items: [...parts.setup, ...parts.publications, ...parts.subscriptions],
            }, { parent: this, dependsOn: [...parts.dependsOn] });
        }

        // Publications offered to other stacks' subscribers, each with a login that sees only its tables.
        const offeredRoles = new Map<string, ReplicationRole[]>();
        for (const offered of plan.publications) {
            const at = node(offered.node);
            const password = offered.password !== undefined
                ? pulumi.secret(offered.password)
                : new random.RandomPassword(`${name}-${offered.name}-reader-password`, { length: 32, special: false }, { parent: this }).result;
            const earlier = [...(this.roles[offered.node] ? [this.roles[offered.node]] : []), ...(offeredRoles.get(offered.node) ?? [])];
            // After the node's other roles: each GRANT CONNECT rewrites the same pg_database row.
            const role = new ReplicationRole(`${name}-${offered.name}-reader-role`, {
                connection: admin(offered.node),
                roleName: offered.roleName,
                password,
                tables: [...offered.tables].sort(),
                replicationAttribute: at.replicationGrantRoles === undefined,
                grantRoles: at.replicationGrantRoles,
            }, { parent: this, ...on(offered.node), dependsOn: [...schemaDeps(offered.node), ...earlier] });
            offeredRoles.set(offered.node, [...(offeredRoles.get(offered.node) ?? []), role]);
            const publication = new Publication(`${name}-${offered.name}-pub`, {
                connection: admin(offered.node),
                publicationName: offered.name,
                tables: offered.tables,
                rowFilter: offered.rowFilter,
                publish: offered.publish,
                publisherZone: at.zone,
                subscriberZones: offered.subscriberZones,
            }, { parent: this, ...on(offered.node), dependsOn: schemaDeps(offered.node) });
            this.offered[offered.name] = { publication, role, user: offered.roleName, password };
        }

        // CONNECT restrictions (see offeringServers above).
        for (const member of plan.nodes.values()) {
            if (member.external === true || !offeringServers.has(serverOf(member))) continue;
            const roles = [...(this.roles[member.name] ? [this.roles[member.name]] : []), ...(offeredRoles.get(member.name) ?? [])];
            this.connectRestrictions[member.name] = new ConnectRestriction(`${name}-${member.name}-connect`, {
                connection: admin(member.name),
            }, { parent: this, ...on(member.name), dependsOn: roles });
        }

        if (args.edgePriority !== false) {
            for (const [regional, owned] of edgeOwnedFacilities(plan)) {
                if (owned.facilities.size === 0) continue;
                // After the node's replication role: its GRANT SELECT and the guard's CREATE TRIGGER both
                // rewrite the table's pg_class row; run concurrently they fail with "tuple concurrently updated".
                this.guards[regional] = new EdgePriorityGuard(`${name}-${regional}-edge-priority`, {
                    connection: admin(regional),
                    tables: [...owned.tables].sort(),
                    facilities: [...owned.facilities].sort(),
                }, { parent: this, dependsOn: [...schemaDeps(regional), ...(this.roles[regional] ? [this.roles[regional]] : [])] });
            }
        }

        // Host, port, database and user only: unsecret so that the status command can read the stack output.
        this.buildTopology = () => pulumi.unsecret(pulumi.all([...plan.nodes.values()].map((n) => admin(n.name)))
            .apply((conns) => ({
                nodes: [...plan.nodes.values()].map((n, i) => ({
                    name: n.name, zone: n.zone, role: n.role,
                    host: String(conns[i].host), port: Number(conns[i].port), database: String(conns[i].database), user: String(conns[i].user),
                })),
                flows: plan.flows.map((f) => ({ from: f.from, to: f.to, subscriptionName: f.subscriptionName, tables: f.tables })),
            })));
        // No outputs registered: the topology is read from the component (and exported by the program that wants it).
        this.registerOutputs({});
    }
}
