/**
 * The Publication resource class: its arguments and what it registers. What it does in PostgreSQL is
 * its provider's, providers/publication.ts (run by the engine, never imported back).
 */
import * as pulumi from "@pulumi/pulumi";
import { PgResource } from "../postgres/pg-resource";
import { secretInput } from "../postgres/secret-input";
import { PgConnection, PgConnectionInput } from "../postgres/connection";
import { RowFilter } from "./row-filter";
import { PublishAction } from "./args";
import type { Zone } from "../shared/sovereignty";
import { publishList, validatePublication } from "./providers/publication";

/** Arguments of {@link Publication}. */
export interface PublicationArgs {
    /** Admin connection to the publishing database (password as a secret). Required. */
    connection: pulumi.Input<PgConnectionInput>;
    /** Publication name (plain identifier). Required. */
    publicationName: string;
    /** Tables in schema public. Required. */
    tables: string[];
    /** Filter applied to every table; default none. */
    rowFilter?: RowFilter;
    /** Actions published; default all. */
    publish?: PublishAction[];
    /** Sovereignty zone of the publishing node; recorded as an input so the policy pack can check who may read it; default unset. */
    publisherZone?: Zone;
    /** Zones of subscribers managed by other stacks (an offered publication); recorded as `subscribers: [{ zone }]` for the policy pack; default none. */
    subscriberZones?: Zone[];
}

/** A publication with row filters on one node. */
export class Publication extends PgResource {
    /** Publication name. */
    declare public readonly publicationName: pulumi.Output<string>;
    /** Tables published. */
    declare public readonly tables: pulumi.Output<string[]>;

    constructor(name: string, args: PublicationArgs, opts?: pulumi.CustomResourceOptions) {
        super("publication", name, publicationResourceInputs(args), { ...opts, additionalSecretOutputs: ["connection"] });
    }
}

/** The provider inputs a {@link Publication} registers (validated; the connection made secret); shared with the replication bundle. */
export function publicationResourceInputs(args: PublicationArgs): pulumi.Inputs {
    validatePublication({ ...args, connection: undefined as unknown as PgConnection });
    return {
        connection: secretInput(args.connection),
        publicationName: args.publicationName,
        tables: args.tables,
        rowFilter: args.rowFilter ?? null,
        publish: publishList(args),
        ...(args.publisherZone !== undefined ? { publisherZone: args.publisherZone } : {}),
        ...(args.subscriberZones !== undefined ? { subscribers: args.subscriberZones.map((zone) => ({ zone })) } : {}),
    };
}
