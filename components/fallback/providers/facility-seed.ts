/**
 * FacilitySeed (dynamic resource): one seeding of a facility database from the region (see
 * seed.ts), done when the resource is created. An update re-runs it (it converges: the reconcile
 * finds nothing to copy) and brings the login to its inputs; delete drops the login it opened,
 * never data.
 *
 * Provider API: `facilitySeedProvider.create/read/diff/update/delete` with {@link FacilitySeedInputs}.
 */
import { PgConnection } from "../../postgres/connection";
import { pgObjectProvider } from "../../postgres/providers/pg-object-provider";
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

export const facilitySeedProvider = pgObjectProvider<FacilitySeedInputs, FacilitySeedState>({
    id: (inputs) => `${inputs.connection.database}-seed`,
    async apply(inputs, olds) {
        // On update: a login replaced by another is dropped first.
        if (olds?.login && olds.login.user !== inputs.login?.user) await dropLogin(olds.connection, olds.login.user);
        return seed(inputs);
    },
    // No read: the seeding is done once; what it did (the report) is not read back.
    // Another database seeded is another seeding (a connection to another server replaces).
    ignoreKeys: ["report"],
    async drop(props) {
        // The workspace may be gone already (its database dropped): nothing left to close then.
        if (props.login) await dropLogin(props.connection, props.login.user).catch((error: Error) => {
            if (!/does not exist/.test(error.message)) throw error;
        });
    },
});
