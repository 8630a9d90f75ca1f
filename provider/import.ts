/**
 * `pulumi import` (or the `import` resource option) of an existing publication or subscription.
 * The engine's import read carries only the id, so the id names where the object lives:
 *
 *     <name>@<host>:<port>/<database>
 *
 * and the plugin logs in with libpq's environment variables of the `pulumi` process: PGUSER
 * (default postgres), PGPASSWORD (required), PGSSLMODE (disable, require or verify-full; default
 * disable). The imported state holds that connection as a secret, as a created resource would.
 */
import type * as provider from "@pulumi/pulumi/provider";
import type { PgConnection, PgSslMode } from "../components/postgres/connection";
import type { PgResourceKind } from "../components/postgres/providers/resource-types";
import type { PgKindProvider } from "../components/postgres/providers/dispatch";
import { wireSecret } from "./secret-wire";

type Props = Record<string, unknown>;

const SSL_MODES: readonly PgSslMode[] = ["disable", "require", "verify-full"];
const ID_FORMAT = "<name>@<host>:<port>/<database>";

/** How each importable kind names its object and what its state holds beyond what `read` finds. */
const IMPORTABLE: Partial<Record<PgResourceKind, {
    nameKey: string;
    /** Keys of the state holding connections (kept secret). */
    secretKeys: readonly string[];
    /** Keys of the state that are outputs only (not inputs). */
    outputKeys: readonly string[];
    /** The state from what `read` found, completed. */
    complete(state: Props): Props;
}>> = {
    publication: { nameKey: "publicationName", secretKeys: ["connection"], outputKeys: [], complete: (state) => state },
    subscription: {
        nameKey: "subscriptionName",
        secretKeys: ["connection", "publisher", "publisherAdmin"],
        outputKeys: ["slotName"],
        // Slots are managed through the login the subscription itself uses: the publisher's
        // replication role may create and drop them. copyData counts at create only.
        complete: (state) => ({ copyData: true, ...state, publisherAdmin: state.publisher }),
    },
};

export function isImportRead(props: Props): boolean {
    return props.connection === undefined;
}

/** The connection an import id and the environment name; throws naming the id format or the variable. */
export function importConnection(id: string, env: NodeJS.ProcessEnv = process.env): { name: string; connection: PgConnection } {
    const match = /^([a-z_][a-z0-9_]*)@(.+):(\d{1,5})\/([^/\s]+)$/.exec(id);
    if (!match) throw new Error(`import id ${JSON.stringify(id)}: expected ${ID_FORMAT}, e.g. orders_pub@10.0.0.5:5432/app (the name a plain lower-case identifier)`);
    const password = env.PGPASSWORD;
    if (!password) throw new Error(`import ${JSON.stringify(id)}: set PGPASSWORD (and PGUSER, default postgres) for the pulumi command: the plugin logs in to ${match[2]}:${match[3]} with them`);
    const ssl = (env.PGSSLMODE ?? "disable") as PgSslMode;
    if (!SSL_MODES.includes(ssl)) throw new Error(`PGSSLMODE ${JSON.stringify(env.PGSSLMODE)}: allowed ${SSL_MODES.join(", ")}`);
    return { name: match[1], connection: { host: match[2], port: Number(match[3]), database: match[4], user: env.PGUSER || "postgres", password, ssl } };
}

/** The import read: the object's state and inputs, its connections secret. */
export async function importRead(kind: PgResourceKind, kindProvider: PgKindProvider, type: string, id: string): Promise<provider.ReadResult> {
    const spec = IMPORTABLE[kind];
    if (!spec || !kindProvider.read) {
        const importable = Object.keys(IMPORTABLE).join(", ");
        throw new Error(`${type} cannot be imported (importable kinds: ${importable}); declare it in the program and let pulumi up adopt it`);
    }
    const { name, connection } = importConnection(id);
    const found = await kindProvider.read(name, { connection, [spec.nameKey]: name });
    if (!found.id) throw new Error(`import ${JSON.stringify(id)}: no ${spec.nameKey.replace(/Name$/, "")} ${name} in database ${connection.database} on ${connection.host}:${connection.port}`);
    const state = spec.complete({ ...found.props, connection });
    const wrapped = Object.fromEntries(Object.entries(state).map(([key, value]) => [key, spec.secretKeys.includes(key) ? wireSecret(value) : value]));
    const inputs = Object.fromEntries(Object.entries(wrapped).filter(([key]) => !spec.outputKeys.includes(key)));
    return { id: name, props: wrapped, inputs };
}
