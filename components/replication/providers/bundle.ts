/**
 * ReplicationBundle (dynamic resource): several replication objects (catalog tables, replication
 * role, publications, subscriptions) managed as ONE Pulumi resource, through the very providers
 * the single-object resources use. `ReplicationMesh` bundles each edge's objects this way when
 * `bundleEdges` is set: the Node SDK's cost is per resource, so a fleet pays one resource per
 * facility instead of eight (docs/scale.md).
 *
 * Provider API (stable): `replicationBundleProvider.create/read/diff/update/delete` with
 * {@link ReplicationBundleInputs}; every item keeps the semantics of its own provider:
 * - create: items in order (tables, role, publications, then subscriptions); each provider adopts
 *   an existing equal object, so a create that failed half-way is simply run again;
 * - read: each item's provider reads its object; an object found gone is kept with `outs: null`
 *   and created again by the next update;
 * - diff: per item, by key, through the item's provider; the bundle itself is never replaced;
 * - update: removed items are dropped (reverse order), an item whose provider asks for a
 *   replacement is dropped and created again, the others updated, all in order;
 * - delete: items in reverse order (subscriptions before the publications they read).
 * Frozen items (objects on an offline node) are neither read, changed nor dropped: their last
 * state is kept, as `ignoreChanges: ["*"]` and `retainOnDelete` do for a single resource.
 *
 * Connections are given once per bundle (`connections`, secret) and named by the items
 * (`item.connections: { publisher: "login_us_east_blue" }`): one edge's items use the same three or
 * four logins, and each nested input costs the SDK its own promise chain at registration (and a
 * line in a preview diff). An item may also carry a connection inline in its inputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { catalogTablesProvider } from "./catalog-tables";
import { replicationRoleProvider } from "./role";
import { publicationProvider } from "./publication";
import { subscriptionProvider } from "./subscription";

export const BUNDLE_ITEM_KINDS = ["tables", "role", "publication", "subscription"] as const;
export type BundleItemKind = (typeof BUNDLE_ITEM_KINDS)[number];

/** One object of a bundle, as resolved inputs. */
export interface BundleItem {
    /** Unique within the bundle and stable across updates (e.g. `sub:mesh_edge_la_to_us_east_blue`). */
    key: string;
    kind: BundleItemKind;
    /** Inputs of the item's own provider (e.g. PublicationInputs). */
    inputs: Record<string, unknown>;
    /** The object lives on an offline node: keep it as it is; default false. */
    frozen?: boolean;
    /** Inputs taken from the bundle's `connections`: input field → connection name; default none. */
    connections?: Record<string, string>;
}

/** Resolved inputs. */
export interface ReplicationBundleInputs {
    /** The bundle's id (e.g. the edge node's name). */
    bundleName: string;
    /** Connections the items name, by name; default none. */
    connections?: Record<string, unknown>;
    items: BundleItem[];
}

/** An item as created: its provider's id and outputs (null once `read` found the object gone). */
export interface BundleItemState extends BundleItem {
    id: string;
    outs: Record<string, unknown> | null;
}

export interface ReplicationBundleState {
    bundleName: string;
    items: BundleItemState[];
}

type ItemStep =
    | { action: "create"; item: BundleItem }
    | { action: "update" | "replace" | "keep"; item: BundleItem; old: BundleItemState }
    | { action: "delete"; old: BundleItemState };

const PROVIDERS: Readonly<Record<BundleItemKind, pulumi.dynamic.ResourceProvider>> = {
    tables: catalogTablesProvider,
    role: replicationRoleProvider,
    publication: publicationProvider,
    subscription: subscriptionProvider,
};

function providerOf(kind: BundleItemKind): pulumi.dynamic.ResourceProvider {
    // Own keys only: a kind such as "constructor" must not find an Object.prototype member.
    const provider = Object.prototype.hasOwnProperty.call(PROVIDERS, kind) ? PROVIDERS[kind] : undefined;
    if (!provider) throw new Error(`replication bundle: unknown item kind ${JSON.stringify(kind)}; allowed: ${BUNDLE_ITEM_KINDS.join(", ")}`);
    return provider;
}

export function assertItems(items: readonly BundleItem[], connectionNames: readonly string[]): void {
    const seen = new Set<string>();
    items.forEach((item, i) => {
        providerOf(item.kind);
        if (typeof item.key !== "string" || item.key.length === 0) throw new Error(`replication bundle: items[${i}].key must be a non-empty string`);
        if (seen.has(item.key)) throw new Error(`replication bundle: items[${i}].key ${JSON.stringify(item.key)} is used twice`);
        seen.add(item.key);
        for (const [field, name] of Object.entries(item.connections ?? {})) {
            if (!connectionNames.includes(name)) {
                throw new Error(`replication bundle: items[${i}].connections.${field} names ${JSON.stringify(name)}, which is not one of the bundle's connections (${connectionNames.join(", ") || "none"})`);
            }
        }
    });
}

/** The item's provider inputs, with the connections it names filled in. */
function resolvedInputs(item: BundleItem, connections: Record<string, unknown> | undefined): Record<string, unknown> {
    const named = Object.entries(item.connections ?? {});
    if (named.length === 0) return item.inputs;
    return { ...item.inputs, ...Object.fromEntries(named.map(([field, name]) => [field, connections?.[name]])) };
}

function assertBundle(inputs: ReplicationBundleInputs): void {
    assertItems(inputs.items ?? [], Object.keys(inputs.connections ?? {}));
}

async function createItem(item: BundleItem, connections: Record<string, unknown> | undefined): Promise<BundleItemState> {
    const inputs = resolvedInputs(item, connections);
    const { id, outs } = await providerOf(item.kind).create(inputs);
    return { ...item, id, outs: outs ?? inputs };
}

async function updateItem(item: BundleItem, old: BundleItemState, connections: Record<string, unknown> | undefined): Promise<BundleItemState> {
    const provider = providerOf(item.kind);
    const inputs = resolvedInputs(item, connections);
    const { outs } = provider.update ? await provider.update(old.id, old.outs, inputs) : { outs: inputs };
    return { ...item, id: old.id, outs: outs ?? inputs };
}

async function deleteItem(old: BundleItemState): Promise<void> {
    if (old.frozen || old.outs === null) return;
    const provider = providerOf(old.kind);
    if (provider.delete) await provider.delete(old.id, old.outs);
}

/** What each item needs, in the new items' order, followed by the items to drop. */
async function planItems(olds: ReplicationBundleState, news: ReplicationBundleInputs): Promise<ItemStep[]> {
    const before = new Map((olds.items ?? []).map((old) => [old.key, old]));
    const steps: ItemStep[] = [];
    for (const item of news.items) {
        const old = before.get(item.key);
        before.delete(item.key);
        if (!old || old.outs === null) {
            steps.push({ action: "create", item });
        } else if (old.kind !== item.kind) {
            steps.push({ action: "replace", item, old });
        } else if (item.frozen) {
            // Offline: nothing is asked of the node; only the flag is recorded.
            steps.push({ action: old.frozen ? "keep" : "update", item, old });
        } else {
            const provider = providerOf(item.kind);
            const diff = provider.diff ? await provider.diff(old.id, old.outs, resolvedInputs(item, news.connections)) : { changes: true };
            if ((diff.replaces ?? []).length > 0) steps.push({ action: "replace", item, old });
            else steps.push({ action: diff.changes !== false || Boolean(old.frozen) ? "update" : "keep", item, old });
        }
    }
    for (const old of before.values()) steps.push({ action: "delete", old });
    return steps;
}

export const replicationBundleProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: ReplicationBundleInputs, news: ReplicationBundleInputs) {
        assertBundle(news);
        return { inputs: news };
    },
    async create(inputs: ReplicationBundleInputs) {
        assertBundle(inputs);
        const items: BundleItemState[] = [];
        for (const item of inputs.items) items.push(await createItem(item, inputs.connections));
        return { id: inputs.bundleName, outs: { bundleName: inputs.bundleName, items } satisfies ReplicationBundleState };
    },
    async read(id: string, props: ReplicationBundleState) {
        const items: BundleItemState[] = [];
        for (const item of props.items ?? []) {
            const provider = providerOf(item.kind);
            if (item.frozen || item.outs === null || !provider.read) {
                items.push(item);
                continue;
            }
            const found = await provider.read(item.id, item.outs);
            items.push(found.id ? { ...item, outs: found.props ?? item.outs } : { ...item, outs: null });
        }
        return { id, props: { ...props, items } };
    },
    async diff(_id: string, olds: ReplicationBundleState, news: ReplicationBundleInputs) {
        const steps = await planItems(olds, news);
        return { changes: steps.some((s) => s.action !== "keep"), replaces: [], deleteBeforeReplace: false };
    },
    async update(_id: string, olds: ReplicationBundleState, news: ReplicationBundleInputs) {
        assertBundle(news);
        const steps = await planItems(olds, news);
        // Drops first, in the reverse of the old order: a subscription goes before the publication it reads.
        const dropped = new Set(steps.filter((s) => s.action === "delete" || s.action === "replace").map((s) => (s.action === "delete" ? s.old.key : s.item.key)));
        for (const old of [...(olds.items ?? [])].reverse()) {
            if (dropped.has(old.key)) await deleteItem(old);
        }
        const items: BundleItemState[] = [];
        for (const step of steps) {
            switch (step.action) {
                case "create":
                case "replace":
                    items.push(await createItem(step.item, news.connections));
                    break;
                case "update":
                    items.push(step.item.frozen ? { ...step.old, frozen: true } : await updateItem(step.item, step.old, news.connections));
                    break;
                case "keep":
                    items.push({ ...step.old, frozen: step.item.frozen });
                    break;
                case "delete":
                    break;
            }
        }
        return { outs: { bundleName: news.bundleName, items } satisfies ReplicationBundleState };
    },
    async delete(_id: string, props: ReplicationBundleState) {
        for (const item of [...(props.items ?? [])].reverse()) await deleteItem(item);
    },
};
