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
 * inputs and outputs of every child. Whether a node's or flow's objects are resources of their own
 * or, with `bundleEdges`, items of an edge's ReplicationBundle is decided in one place,
 * internal/placement.ts: the steps below build the same objects either way.
 *
 * Across stacks (peer regions) each side manages only its own servers: the publisher offers a
 * publication (`publications`) with a login role of its own, and revokes CONNECT from PUBLIC on
 * every database the mesh manages on that server (PostgreSQL has no privileges on publications);
 * the subscriber's mesh declares that publisher as an `external` node, whose `connection` logs
 * in as the offered role, and subscribes to the named publication: no admin login crosses.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { TABLE_CATALOG } from "../shared/sovereignty";
import { PgConnection } from "../postgres/connection";
import { secretInput } from "../postgres/secret-input";
import { validateMesh, MeshPlan } from "./validation";
import { replicationRoleName } from "./naming";
import { CatalogTables } from "./catalog-tables";
import { ReplicationRole, ReplicationRoleArgs } from "./role";
import { Publication } from "./publication";
import { Subscription } from "./subscription";
import { ConnectRestriction } from "./connect-restriction";
import { EdgePriorityGuard } from "./edge-priority-guard";
import { ReplicationBundle } from "./bundle";
import { MeshFlow, MeshNode, MeshPublication, MeshTopology, PlannedFlow } from "./args";
import { MeshContext } from "./internal/mesh-context";
import { EdgeBundlePlacement, MeshObjectPlacement, StandalonePlacement } from "./internal/placement";

export type { MeshFlow, MeshNode, MeshPublication, FlowOptions, NodeRole, PublishAction, MeshTopology } from "./args";
export type { RowFilter } from "./row-filter";

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
    public readonly publications: Record<string, Publication>;
    /** Subscriptions by flow object name. */
    public readonly subscriptions: Record<string, Subscription>;
    /** Replication roles by publishing node name. */
    public readonly roles: Record<string, ReplicationRole>;
    /** Edge-priority guards by regional node name. */
    public readonly guards: Record<string, EdgePriorityGuard>;
    /** Publications offered to other stacks' subscribers, by publication name. */
    public readonly offered: Record<string, OfferedPublication>;
    /** CONNECT restrictions by node name (every managed node on a server that offers a publication). */
    public readonly connectRestrictions: Record<string, ConnectRestriction>;
    /** With `bundleEdges`: each edge node's objects as one resource, by edge node name (they are then not in the records above). */
    public readonly bundles: Record<string, ReplicationBundle>;
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
        const mesh = new MeshContext(name, this, plan);

        // bundleEdges changes where an edge's objects are registered, never what they are or what they wait for.
        const placement = args.bundleEdges === true ? new EdgeBundlePlacement(mesh) : new StandalonePlacement(mesh);
        const tables = placeCatalogTables(mesh, placement);
        const { roles, passwords } = placeReplicationRoles(mesh, placement, tables);
        const flows = placeFlows(mesh, placement, tables, roles, replicationLogins(mesh, passwords));
        this.roles = roles;
        this.publications = flows.publications;
        this.subscriptions = flows.subscriptions;
        this.bundles = placement.registerBundles();

        // Never bundled: these live on regional nodes or on servers offering publications.
        const offered = registerOfferedPublications(mesh, tables, roles);
        this.offered = offered.publications;
        this.connectRestrictions = registerConnectRestrictions(mesh, roles, offered.readerRoles);
        this.guards = args.edgePriority !== false ? registerEdgePriorityGuards(mesh, tables, roles) : {};

        this.buildTopology = () => meshTopology(mesh);
        // No outputs registered: the topology is read from the component (and exported by the program that wants it).
        this.registerOutputs({});
    }
}

/** Catalog tables that are resources of their own, by node: what the node's other objects wait for. */
type StandaloneTables = Map<string, CatalogTables>;

/** The objects that are resources of their own; undefined stands for one in a bundle (nothing outside waits for it) or none. */
function ownResources<T extends pulumi.Resource>(...objects: (T | undefined)[]): T[] {
    return objects.filter((o): o is T => o !== undefined);
}

/** Per node taking part in a flow or offering a publication: the catalog tables those carry, unless the node's schema is not ours to manage. */
function placeCatalogTables(mesh: MeshContext, placement: MeshObjectPlacement): StandaloneTables {
    const tablesAt = new Map<string, Set<string>>();
    const add = (node: string, tables: string[]) => {
        const set = tablesAt.get(node) ?? new Set<string>();
        tables.forEach((t) => set.add(t));
        tablesAt.set(node, set);
    };
    for (const flow of mesh.plan.flows) [flow.from, flow.to].forEach((end) => add(end, flow.tables));
    for (const offered of mesh.plan.publications) add(offered.node, offered.tables);

    const placed: StandaloneTables = new Map();
    for (const [node, tables] of tablesAt) {
        if (mesh.node(node).manageSchema === false || mesh.node(node).external === true) continue;
        const resource = placement.catalogTables(node, { connection: mesh.admin(node), tables: [...tables].sort() });
        if (resource) placed.set(node, resource);
    }
    return placed;
}

/** Per publishing node (not an external one: its stack made the role it gave us): the least-privilege role its subscribers log in as, and its password. */
function placeReplicationRoles(mesh: MeshContext, placement: MeshObjectPlacement, tables: StandaloneTables) {
    const published = new Map<string, Set<string>>();
    for (const flow of mesh.plan.flows) {
        const set = published.get(flow.from) ?? new Set<string>();
        flow.tables.forEach((t) => set.add(t));
        published.set(flow.from, set);
    }

    const roles: Record<string, ReplicationRole> = {};
    const passwords = new Map<string, pulumi.Output<string>>();
    for (const [publisher, publishedTables] of published) {
        if (mesh.node(publisher).external === true) continue;
        const password = givenOrGeneratedPassword(mesh, mesh.node(publisher).replicationPassword, `${publisher}-repl-password`);
        passwords.set(publisher, password);
        const role = placement.replicationRole(publisher, loginRoleArgs(mesh, publisher, replicationRoleName(publisher), password, [...publishedTables].sort()),
            ownResources(tables.get(publisher)));
        if (role) roles[publisher] = role;
    }
    return { roles, passwords };
}

/** Per flow: a publication on `from` (unless `from` is external: its stack created it) and a subscription on `to` reading it. */
function placeFlows(mesh: MeshContext, placement: MeshObjectPlacement, tables: StandaloneTables, roles: Record<string, ReplicationRole>,
    replicationLogin: (publisher: string) => pulumi.Output<PgConnection>) {
    const publications: Record<string, Publication> = {};
    const subscriptions: Record<string, Subscription> = {};
    for (const flow of mesh.plan.flows) {
        const from = mesh.node(flow.from);
        const publication = from.external === true ? undefined : placement.publication(flow, {
            connection: mesh.admin(flow.from),
            publicationName: flow.publicationName,
            tables: flow.tables,
            rowFilter: flow.rowFilter,
            publish: flow.options.publish,
        }, ownResources(tables.get(flow.from)));
        if (publication) publications[flow.publicationName] = publication;

        const subscription = placement.subscription(flow, {
            connection: mesh.admin(flow.to),
            subscriptionName: flow.subscriptionName,
            publisher: replicationLogin(flow.from),
            // Slots need no admin: on an external node this is its replication role.
            publisherAdmin: mesh.admin(flow.from),
            publications: [flow.publicationName],
            tables: [...flow.tables].sort(),
            publisherZone: from.zone,
            subscriberZone: mesh.node(flow.to).zone,
            copyData: flow.options.copyData,
            streaming: flow.options.streaming,
            binary: flow.options.binary,
            disableOnError: flow.options.disableOnError,
            origin: flow.options.origin,
            // Reading from an offline node: kept, disabled, never dropped. One living on an
            // offline node is frozen instead (its inputs stay as they were).
            enabled: !from.offline,
        }, ownResources<pulumi.Resource>(publication, roles[flow.from], tables.get(flow.to))); // what it reads, logs in as, writes into
        if (subscription) subscriptions[flow.subscriptionName] = subscription;
    }
    return { publications, subscriptions };
}

/** How subscribers log in to a publisher: the same for every flow it publishes, so built once per publisher. */
function replicationLogins(mesh: MeshContext, passwords: Map<string, pulumi.Output<string>>): (publisher: string) => pulumi.Output<PgConnection> {
    const logins = new Map<string, pulumi.Output<PgConnection>>();
    return (publisherName) => {
        let login = logins.get(publisherName);
        if (!login) {
            const from = mesh.node(publisherName);
            // An external node's connection already logs in as its replication role.
            const external = from.external === true;
            // From the node's shared admin Output.
            type LoginParts = { conn: PgConnection; host?: string; port?: number | string; password?: string };
            const parts = pulumi.all({
                conn: mesh.admin(publisherName), host: from.replicationHost, port: from.replicationPort, password: external ? undefined : passwords.get(publisherName),
            }) as unknown as pulumi.Output<LoginParts>;
            login = secretInput(parts.apply(({ conn, host, port, password }) => ({
                host: host ?? conn.host, port: Number(port ?? conn.port), database: conn.database,
                user: external ? conn.user : replicationRoleName(publisherName), password: external ? conn.password : password!, ssl: conn.ssl ?? "disable",
            }))) as pulumi.Output<PgConnection>;
            logins.set(publisherName, login);
        }
        return login;
    };
}

/** Publications offered to other stacks' subscribers, each with a login that sees only its tables. */
function registerOfferedPublications(mesh: MeshContext, tables: StandaloneTables, roles: Record<string, ReplicationRole>) {
    const publications: Record<string, OfferedPublication> = {};
    const readerRoles = new Map<string, ReplicationRole[]>();
    for (const offered of mesh.plan.publications) {
        const password = givenOrGeneratedPassword(mesh, offered.password, `${offered.name}-reader-password`);
        // After the node's other roles: each GRANT CONNECT rewrites the same pg_database row.
        const role = new ReplicationRole(`${mesh.meshName}-${offered.name}-reader-role`,
            loginRoleArgs(mesh, offered.node, offered.roleName, password, [...offered.tables].sort()),
            mesh.childOptions(offered.node, [...ownResources(tables.get(offered.node)), ...loginRolesOn(offered.node, roles, readerRoles)]));
        readerRoles.set(offered.node, [...(readerRoles.get(offered.node) ?? []), role]);
        const publication = new Publication(`${mesh.meshName}-${offered.name}-pub`, {
            connection: mesh.admin(offered.node),
            publicationName: offered.name,
            tables: offered.tables,
            rowFilter: offered.rowFilter,
            publish: offered.publish,
            publisherZone: mesh.node(offered.node).zone,
            subscriberZones: offered.subscriberZones,
        }, mesh.childOptions(offered.node, ownResources(tables.get(offered.node))));
        publications[offered.name] = { publication, role, user: offered.roleName, password };
    }
    return { publications, readerRoles };
}

/** CONNECT for PUBLIC revoked on every managed database of a server offering a publication (MeshContext.onOfferingServer says why), after the logins it keeps. */
function registerConnectRestrictions(mesh: MeshContext, roles: Record<string, ReplicationRole>, readerRoles: Map<string, ReplicationRole[]>) {
    const restrictions: Record<string, ConnectRestriction> = {};
    for (const member of mesh.plan.nodes.values()) {
        if (member.external === true || !mesh.onOfferingServer(member.name)) continue;
        restrictions[member.name] = new ConnectRestriction(`${mesh.meshName}-${member.name}-connect`, {
            connection: mesh.admin(member.name),
        }, mesh.childOptions(member.name, loginRolesOn(member.name, roles, readerRoles)));
    }
    return restrictions;
}

/** Per regional node receiving facility rows from edges: the guard that lets only replication write them. */
function registerEdgePriorityGuards(mesh: MeshContext, tables: StandaloneTables, roles: Record<string, ReplicationRole>) {
    const guards: Record<string, EdgePriorityGuard> = {};
    for (const [regional, owned] of edgeOwnedFacilities(mesh.plan)) {
        if (owned.facilities.size === 0) continue;
        // After the node's replication role: its GRANT SELECT and the guard's CREATE TRIGGER both
        // rewrite the table's pg_class row; run concurrently they fail with "tuple concurrently updated".
        // Not frozen on an offline node, unlike the other children.
        guards[regional] = new EdgePriorityGuard(`${mesh.meshName}-${regional}-edge-priority`, {
            connection: mesh.admin(regional),
            tables: [...owned.tables].sort(),
            facilities: [...owned.facilities].sort(),
        }, { parent: mesh.parent, dependsOn: ownResources<pulumi.Resource>(tables.get(regional), roles[regional]) });
    }
    return guards;
}

/** The login roles on a node so far: its replication role, then the readers of the publications it offers. */
function loginRolesOn(node: string, roles: Record<string, ReplicationRole>, readerRoles: Map<string, ReplicationRole[]>): ReplicationRole[] {
    return [...ownResources(roles[node]), ...(readerRoles.get(node) ?? [])];
}

/** A least-privilege login on `node` that may read `tables`. */
function loginRoleArgs(mesh: MeshContext, node: string, roleName: string, password: pulumi.Output<string>, tables: string[]): ReplicationRoleArgs {
    const grantRoles = mesh.node(node).replicationGrantRoles;
    // Where the REPLICATION attribute is unavailable (RDS), granted roles such as rds_replication stand in for it.
    return { connection: mesh.admin(node), roleName, password, tables, replicationAttribute: grantRoles === undefined, grantRoles };
}

/** The given password as a secret, else a generated one (a RandomPassword named `<mesh>-<suffix>`). */
function givenOrGeneratedPassword(mesh: MeshContext, given: pulumi.Input<string> | undefined, suffix: string): pulumi.Output<string> {
    return given !== undefined
        ? pulumi.secret(given)
        : new random.RandomPassword(`${mesh.meshName}-${suffix}`, { length: 32, special: false }, { parent: mesh.parent }).result;
}

/** Host, port, database and user only: unsecret so that the status command can read the stack output. */
function meshTopology(mesh: MeshContext): pulumi.Output<MeshTopology> {
    const nodes = [...mesh.plan.nodes.values()];
    return pulumi.unsecret(pulumi.all(nodes.map((n) => mesh.admin(n.name))).apply((conns) => ({
        nodes: nodes.map((n, i) => ({
            name: n.name, zone: n.zone, role: n.role,
            host: String(conns[i].host), port: Number(conns[i].port), database: String(conns[i].database), user: String(conns[i].user),
        })),
        flows: mesh.plan.flows.map((f) => ({ from: f.from, to: f.to, subscriptionName: f.subscriptionName, tables: f.tables })),
    })));
}
