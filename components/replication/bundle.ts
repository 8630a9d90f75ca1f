/**
 * The ReplicationBundle resource class: its arguments and what it registers. What it does in PostgreSQL is
 * its provider's, providers/bundle.ts (run by the engine, never imported back).
 */
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "../postgres/pg-resource";
import type { PgConnectionInput } from "../postgres/connection";
import { secretInput } from "../postgres/secret-input";
import { BundleItemKind, assertItems } from "./providers/bundle";

/** One object of a {@link ReplicationBundle}: its kind and the inputs its own resource class would register. */
export interface ReplicationBundleItemArgs {
    /** Unique within the bundle and stable across updates. Required. */
    key: string;
    /** Which provider manages it. Required. */
    kind: BundleItemKind;
    /** The provider inputs (from `publicationResourceInputs` and its siblings: secrets already wrapped). Required. */
    inputs: pulumi.Inputs;
    /** The object lives on an offline node (kept as it is); default false. */
    frozen?: boolean;
    /** Inputs taken from the bundle's `connections`: input field → connection name; default none. */
    connections?: Record<string, string>;
}

/** Arguments of {@link ReplicationBundle}. */
export interface ReplicationBundleArgs {
    /** The bundle's id, e.g. the edge node's name. Required. */
    bundleName: string;
    /** Connections (made secret) the items name in their `connections`; default none. */
    connections?: Record<string, pulumi.Input<PgConnectionInput>>;
    /** The objects, in creation order. Required. */
    items: ReplicationBundleItemArgs[];
}

/**
 * Several replication objects as one resource. Connections and passwords stay secret: they are
 * secret inside the inputs, and the item states (`items`) are secret outputs.
 */
export class ReplicationBundle extends PgResource {
    /** The bundle's id. */
    declare public readonly bundleName: pulumi.Output<string>;

    constructor(name: string, args: ReplicationBundleArgs, opts?: pulumi.CustomResourceOptions) {
        assertItems(args.items.map((item) => ({ ...item, inputs: {} })), Object.keys(args.connections ?? {}));
        super("bundle", name, {
            bundleName: args.bundleName,
            connections: Object.fromEntries(Object.entries(args.connections ?? {}).map(([key, conn]) => [key, secretInput(conn)])),
            items: args.items.map((item) => ({
                key: item.key, kind: item.kind, frozen: item.frozen ?? false, inputs: item.inputs,
                ...(item.connections ? { connections: item.connections } : {}),
            })),
        }, { ...opts, additionalSecretOutputs: ["connections", "items"] });
    }
}
