/**
 * The skeleton every single-object PostgreSQL provider shares (database, roles, publication,
 * subscription, catalog tables, guards, seeding): a {@link pulumi.dynamic.ResourceProvider} built
 * from the few functions that differ.
 * - create: `{ id: id(inputs), outs: apply(inputs) }`, the id first so that inputs it cannot name
 *   fail before any SQL runs;
 * - read: `read(props, id)`; undefined means the object is gone, so the state is forgotten
 *   (`{ id: "", props: {} }`, a refresh drops it, the next up creates it again); otherwise
 *   `{ id, props: state(props, actual) }`. Without `read`, the provider has none (the engine keeps
 *   the state as it is);
 * - diff: `diffProps(comparable(olds), comparableInputs(news), replaceKeys, ignoreKeys)`, and a
 *   replacement (delete before create) for any key `alsoReplaces` names;
 * - update: `apply(news, olds)`, its result the new outs;
 * - delete: `drop(props)`.
 * Provider runtime (serialised with the providers that use it): plain functions, types only from
 * the Pulumi SDK.
 */
import type * as pulumi from "@pulumi/pulumi";
import { diffProps } from "./dynamic";

type Props = Record<string, unknown>;

/** What makes one kind of object: `Inputs` as the provider receives them, `State` as stored, `Actual` as read from the catalog. */
export interface PgObject<Inputs, State, Actual = Partial<State>> {
    /** The resource id of the object the inputs describe. */
    id(inputs: Inputs): string;
    /** Creates the object, or adopts and converges an existing one (`olds`: the state before, on update only); resolves to its state. */
    apply(inputs: Inputs, olds?: State): Promise<State>;
    /** What the server holds; undefined when the object does not exist. */
    read?(props: State, id: string): Promise<Actual | undefined>;
    /** The state after a read; default `{ ...props, ...actual }`. */
    state?(props: State, actual: Actual): State;
    /** The form state (and, by default, new inputs) are compared in; default: as they are. */
    comparable?(props: State | Inputs): Props;
    /** The form new inputs are compared in, when it is not `comparable`'s (e.g. a default filled in); default `comparable`. */
    comparableInputs?(inputs: Inputs): Props;
    /** Keys whose change replaces the object; default none (a connection to another server always does). */
    replaceKeys?: readonly string[];
    /** Keys left out of the diff (outputs only); default none. */
    ignoreKeys?: readonly string[];
    /** Further keys that force a replacement, decided from both sides (e.g. another publishing database). */
    alsoReplaces?(olds: State, news: Inputs): string[];
    /** Drops the object (or leaves it, where that is the safe default). */
    drop(props: State): Promise<void>;
}

export function pgObjectProvider<Inputs, State, Actual = Partial<State>>(spec: PgObject<Inputs, State, Actual>): pulumi.dynamic.ResourceProvider {
    const comparable = (props: State | Inputs): Props => (spec.comparable ? spec.comparable(props) : props as unknown as Props);
    const comparableInputs = (inputs: Inputs): Props => (spec.comparableInputs ? spec.comparableInputs(inputs) : comparable(inputs));
    const provider: pulumi.dynamic.ResourceProvider = {
        async create(inputs: Inputs) {
            const id = spec.id(inputs);
            return { id, outs: await spec.apply(inputs) };
        },
        async diff(_id: string, olds: State, news: Inputs) {
            const result = diffProps(comparable(olds), comparableInputs(news), spec.replaceKeys ?? [], spec.ignoreKeys);
            const also = spec.alsoReplaces ? spec.alsoReplaces(olds, news) : [];
            if (also.length === 0) return result;
            return { changes: true, replaces: [...(result.replaces ?? []), ...also], deleteBeforeReplace: true };
        },
        async update(_id: string, olds: State, news: Inputs) {
            return { outs: await spec.apply(news, olds) };
        },
        async delete(_id: string, props: State) {
            await spec.drop(props);
        },
    };
    const read = spec.read;
    if (read) {
        provider.read = async (id: string, props: State) => {
            const actual = await read(props, id);
            if (actual === undefined) return { id: "", props: {} };
            return { id, props: spec.state ? spec.state(props, actual) : { ...props, ...actual } };
        };
    }
    return provider;
}
