/**
 * FacilitySeed (dynamic resource): one seeding of a facility database from the region (see
 * seed.ts), done when the resource is created. An update re-runs it (it converges: the reconcile
 * finds nothing to copy) and brings the login to its inputs; delete drops the login it opened,
 * never data.
 *
 * Provider API: `facilitySeedProvider.create/read/diff/update/delete` with {@link FacilitySeedInputs}.
 */
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "../postgres/pg-resource";
import { secretInput } from "../postgres/secret-input";
import { PgConnection, PgConnectionInput } from "../postgres/connection";
import { diffProps } from "../postgres/dynamic";
import { FacilityLogin, FacilitySubscriber, SeedReport, dropLogin, seedFacility } from "./seed";

/** Resolved inputs. */
export interface FacilitySeedInputs {
    /** Admin connection to the database seeded. */
    connection: PgConnection;
    subscribers: FacilitySubscriber[];
    drain?: { workspace: PgConnection; login?: string } | null;
    login?: FacilityLogin | null;
    timeoutMs?: number;
}

export interface FacilitySeedState extends FacilitySeedInputs {
    report: SeedReport;
}

async function seed(inputs: FacilitySeedInputs): Promise<FacilitySeedState> {
    const report = await seedFacility({
        node: inputs.connection, subscribers: inputs.subscribers,
        drain: inputs.drain ?? undefined, login: inputs.login ?? undefined, timeoutMs: inputs.timeoutMs,
    });
    return { ...inputs, report };
}

export const facilitySeedProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: FacilitySeedInputs) {
        return { id: `${inputs.connection.database}-seed`, outs: await seed(inputs) };
    },
    async diff(_id: string, olds: FacilitySeedState, news: FacilitySeedInputs) {
        // Another database seeded is another seeding.
        return diffProps(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, [], ["report"]);
    },
    async update(_id: string, olds: FacilitySeedState, news: FacilitySeedInputs) {
        if (olds.login && olds.login.user !== news.login?.user) await dropLogin(olds.connection, olds.login.user);
        return { outs: await seed(news) };
    },
    async delete(_id: string, props: FacilitySeedState) {
        // The workspace may be gone already (its database dropped): nothing left to close then.
        if (props.login) await dropLogin(props.connection, props.login.user).catch((error: Error) => {
            if (!/does not exist/.test(error.message)) throw error;
        });
    },
};

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
