/**
 * The one dynamic provider of every PgResource (components/postgres/pg-resource.ts): each
 * operation goes to the provider of the resource's `__kind`, which sees its inputs and state
 * without that key, exactly as when it was the resource's own provider. The key is put back into
 * what is stored (checked inputs, outputs), so that `read` and `delete`, which get only the
 * stored outputs, find the kind again.
 *
 * Resources created before the dispatcher (state without `__kind`, their own provider serialised
 * in it): the engine reads and deletes them with that stored provider; `check`, `diff` and
 * `update` get the new inputs, which carry the kind.
 */
import type * as pulumi from "@pulumi/pulumi";
import { postgresDatabaseProvider } from "./database";
import { monitoringRoleProvider } from "./monitoring-role";
import { catalogTablesProvider } from "../../replication/providers/catalog-tables";
import { replicationRoleProvider } from "../../replication/providers/role";
import { publicationProvider } from "../../replication/providers/publication";
import { subscriptionProvider } from "../../replication/providers/subscription";
import { replicationBundleProvider } from "../../replication/providers/bundle";
import { edgePriorityProvider } from "../../replication/providers/edge-priority";
import { connectRestrictionProvider } from "../../replication/providers/connect-restriction";
import { facilitySeedProvider } from "../../fallback/providers/facility-seed";

type Props = Record<string, unknown>;

/** The input naming which provider a resource's operations go to. Defined here, in the serialised module, so the provider code carries it. */
export const KIND_KEY = "__kind";

const PROVIDERS = {
    database: postgresDatabaseProvider,
    monitoringRole: monitoringRoleProvider,
    tables: catalogTablesProvider,
    role: replicationRoleProvider,
    publication: publicationProvider,
    subscription: subscriptionProvider,
    bundle: replicationBundleProvider,
    edgePriority: edgePriorityProvider,
    connectRestriction: connectRestrictionProvider,
    facilitySeed: facilitySeedProvider,
} as const satisfies Record<string, pulumi.dynamic.ResourceProvider>;

export type PgResourceKind = keyof typeof PROVIDERS;

// No computed keys (`{ [KIND_KEY]: ... }`) below: the SDK's closure serialiser does not see the
// variables used in them, and the serialised code would read `exports.KIND_KEY` as undefined.

/** The props without the kind key, and the kind it held. */
function split(props: Props | undefined): [kind: unknown, rest: Props] {
    const rest: Props = { ...(props ?? {}) };
    const kind = rest[KIND_KEY];
    delete rest[KIND_KEY];
    return [kind, rest];
}

function providerOf(kind: unknown): pulumi.dynamic.ResourceProvider {
    const provider: pulumi.dynamic.ResourceProvider | undefined = typeof kind === "string" && Object.prototype.hasOwnProperty.call(PROVIDERS, kind)
        ? PROVIDERS[kind as PgResourceKind] : undefined;
    if (!provider) throw new Error(`${KIND_KEY}: unknown PostgreSQL resource kind ${JSON.stringify(kind)}. Allowed: ${Object.keys(PROVIDERS).join(", ")}`);
    return provider;
}

function withKind(props: Props | undefined, kind: unknown): Props {
    const result: Props = { ...(props ?? {}) };
    result[KIND_KEY] = kind;
    return result;
}

export const pgProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: Props, news: Props) {
        const [kind, inputs] = split(news);
        const provider = providerOf(kind);
        if (!provider.check) return { inputs: news };
        const result = await provider.check(split(olds)[1], inputs);
        return { ...result, inputs: withKind(result.inputs ?? inputs, kind) };
    },
    async diff(id: string, olds: Props, news: Props) {
        const [newKind, inputs] = split(news);
        const [oldKind, state] = split(olds);
        const provider = providerOf(newKind ?? oldKind);
        // No diff of its own: the engine's default diff, as for the provider alone.
        return provider.diff ? provider.diff(id, state, inputs) : {};
    },
    async create(props: Props) {
        const [kind, inputs] = split(props);
        const result = await providerOf(kind).create(inputs);
        return { ...result, outs: withKind(result.outs, kind) };
    },
    async read(id: string, props: Props) {
        const [kind, state] = split(props);
        const provider = providerOf(kind);
        if (!provider.read) return { id, props };
        const result = await provider.read(id, state).catch((error: { code?: string }) => {
            // 3D000: the database the object lives in does not exist (a server rebuilt empty, a
            // database dropped), so neither does the object: refresh forgets it, up creates it again.
            if (error?.code === "3D000") return { id: "", props: {} as Props, inputs: undefined };
            throw error;
        });
        return { ...result, props: withKind(result.props, kind), inputs: result.inputs === undefined ? undefined : withKind(result.inputs, kind) };
    },
    async update(id: string, olds: Props, news: Props) {
        const [kind, inputs] = split(news);
        const provider = providerOf(kind ?? split(olds)[0]);
        const result = provider.update ? await provider.update(id, split(olds)[1], inputs) : {};
        return { ...result, outs: withKind(result.outs, kind) };
    },
    async delete(id: string, props: Props) {
        const [kind, state] = split(props);
        const provider = providerOf(kind);
        if (provider.delete) await provider.delete(id, state);
    },
};
