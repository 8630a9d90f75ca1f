/**
 * The FacilitySeed resource class: its arguments and what it registers. What it does in PostgreSQL is
 * its provider's, providers/facility-seed.ts (run by the engine, never imported back).
 */
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "../postgres/pg-resource";
import { secretInput } from "../postgres/secret-input";
import { PgConnectionInput } from "../postgres/connection";
import { SeedReport } from "./providers/seed";

/** Arguments of {@link FacilitySeed}. */
export interface FacilitySeedArgs {
    /** Admin connection to the database seeded (password as a secret). Required. */
    connection: pulumi.Input<PgConnectionInput>;
    /** The regional subscribers of its publication(s) (admin connections as secrets); at least one. Required. */
    subscribers: pulumi.Input<{ region: pulumi.Input<PgConnectionInput>; subscription: string; publication: string }[]>;
    /** The workspace drained first (return mode) and the login closed there; default none. */
    drain?: pulumi.Input<{ workspace: pulumi.Input<PgConnectionInput>; login?: string }>;
    /** The login opened on the seeded database (fallback mode; password as a secret); default none. */
    login?: pulumi.Input<{ user: string; password: pulumi.Input<string> }>;
    /** Give up waiting after this long, ms; default 600 000. */
    timeoutMs?: number;
}

/** One seeding of a facility database from the region. Connections and the login are secret. */
export class FacilitySeed extends PgResource {
    /** What the seeding did. */
    declare public readonly report: pulumi.Output<SeedReport>;

    constructor(name: string, args: FacilitySeedArgs, opts?: pulumi.CustomResourceOptions) {
        super("facilitySeed", name, {
            connection: secretInput(args.connection),
            subscribers: secretInput(args.subscribers),
            drain: args.drain === undefined ? null : secretInput(args.drain),
            login: args.login === undefined ? null : secretInput(args.login),
            timeoutMs: args.timeoutMs,
            report: undefined,
        }, { ...opts, additionalSecretOutputs: ["connection", "subscribers", "drain", "login"] });
    }
}
