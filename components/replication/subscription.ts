/**
 * The Subscription resource class: its arguments and what it registers. What it does in PostgreSQL is
 * its provider's, providers/subscription.ts (run by the engine, never imported back).
 */
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "../postgres/pg-resource";
import { secretInput } from "../postgres/secret-input";
import { PgConnectionInput } from "../postgres/connection";
import type { Zone } from "../shared/sovereignty";
import { assertSqlIdentifier } from "../postgres/sql";
import { SUBSCRIPTION_DEFAULTS, SubscriptionOptions } from "./providers/subscription";

/** Arguments of {@link Subscription}. */
export interface SubscriptionArgs extends SubscriptionOptions {
    /** Admin connection to the subscribing database (password as a secret). Required. */
    connection: pulumi.Input<PgConnectionInput>;
    /** Subscription and slot name (plain identifier). Required. */
    subscriptionName: string;
    /** The publisher as the subscriber reaches it, as the replication role (password as a secret). Required. */
    publisher: pulumi.Input<PgConnectionInput>;
    /** Connection that manages the slot on the publisher: its admin, or its replication role (password as a secret). Required. */
    publisherAdmin: pulumi.Input<PgConnectionInput>;
    /** Publications subscribed. Required. */
    publications: pulumi.Input<string[]>;
    /** Tables the publications carry (a change triggers REFRESH PUBLICATION). Required. */
    tables: pulumi.Input<string[]>;
    /** Sovereignty zone of the publishing node; recorded as an input so the policy pack can check cross-zone flows; default unset. */
    publisherZone?: Zone;
    /** Sovereignty zone of the subscribing node; recorded for the policy pack likewise; default unset. */
    subscriberZone?: Zone;
}

/** A subscription on one node. Connections are secret inputs and secret outputs. */
export class Subscription extends PgResource {
    /** Subscription name. */
    declare public readonly subscriptionName: pulumi.Output<string>;
    /** Slot on the publisher. */
    declare public readonly slotName: pulumi.Output<string>;

    constructor(name: string, args: SubscriptionArgs, opts?: pulumi.CustomResourceOptions) {
        super("subscription", name, subscriptionResourceInputs(args), { ...opts, additionalSecretOutputs: ["connection", "publisher", "publisherAdmin"] });
    }
}

/** The provider inputs a {@link Subscription} registers (validated name, defaults applied, connections made secret); shared with the replication bundle. */
export function subscriptionResourceInputs(args: SubscriptionArgs): pulumi.Inputs {
    assertSqlIdentifier("subscriptionName", args.subscriptionName);
    return {
        ...args,
        connection: secretInput(args.connection),
        publisher: secretInput(args.publisher),
        publisherAdmin: secretInput(args.publisherAdmin),
        copyData: args.copyData ?? SUBSCRIPTION_DEFAULTS.copyData,
        streaming: args.streaming ?? SUBSCRIPTION_DEFAULTS.streaming,
        binary: args.binary ?? SUBSCRIPTION_DEFAULTS.binary,
        disableOnError: args.disableOnError ?? SUBSCRIPTION_DEFAULTS.disableOnError,
        origin: args.origin ?? SUBSCRIPTION_DEFAULTS.origin,
        enabled: args.enabled ?? SUBSCRIPTION_DEFAULTS.enabled,
        slotName: undefined,
    };
}
