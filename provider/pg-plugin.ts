/**
 * The provider plugin's resource operations: each call goes, by the resource's type token, to the
 * provider of its kind (components/postgres/providers/dispatch.ts), with the same inputs and state
 * a dynamic provider would have handed it.
 *
 * Two differences from the dynamic-provider host are bridged here:
 * - secrets: the engine sends secret values wrapped (this server accepts secrets); the kinds'
 *   providers get them plain. The engine marks again as secret every output whose input was.
 * - state written by 0.1.x (dynamic resources): it carries `__provider` (the serialised dynamic
 *   provider) and `__kind`. They are dropped from what the providers see; `diff` reports them as
 *   the one change, and `update` then stores the state without them, running no SQL.
 */
import type * as provider from "@pulumi/pulumi/provider";
import { providerOfType } from "../components/postgres/providers/dispatch";
import { LEGACY_STATE_KEYS, pgKindOfType } from "../components/postgres/providers/resource-types";
import { importRead, isImportRead } from "./import";
import { unwrapSecrets } from "./secret-wire";

type Props = Record<string, unknown>;

/** The type token of a URN (`urn:pulumi:stack::project::[parent$]type::name`). */
export function typeOfUrn(urn: string): string {
    const qualifiedType = urn.split("::")[2] ?? "";
    return qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1);
}

function hasLegacyKeys(props: Props | undefined): boolean {
    return props !== undefined && LEGACY_STATE_KEYS.some((key) => key in props);
}

/** Props as a kind's provider takes them: secrets plain, 0.1.x's keys gone. */
function plain(props: Props | undefined): Props {
    const result = unwrapSecrets(props ?? {}) as Props;
    for (const key of LEGACY_STATE_KEYS) delete result[key];
    return result;
}

export class PgPluginProvider implements provider.Provider {
    constructor(public readonly version: string) {}

    async check(urn: string, olds: Props, news: Props): Promise<provider.CheckResult> {
        const kind = providerOfType(typeOfUrn(urn));
        if (!kind.check) return { inputs: news };
        const result = await kind.check(plain(olds), plain(news));
        return { inputs: result.inputs ?? news, failures: result.failures ? [...result.failures] : undefined };
    }

    async diff(id: string, urn: string, olds: Props, news: Props): Promise<provider.DiffResult> {
        const kind = providerOfType(typeOfUrn(urn));
        if (!kind.diff) throw new Error(`${typeOfUrn(urn)}: its provider has no diff`);
        const result = await kind.diff(id, plain(olds), plain(news));
        if (hasLegacyKeys(olds) && !result.changes) return { changes: true, replaces: [], deleteBeforeReplace: false };
        return { ...result, replaces: result.replaces ? [...result.replaces] : undefined, stables: result.stables ? [...result.stables] : undefined };
    }

    async create(urn: string, inputs: Props): Promise<provider.CreateResult> {
        const result = await providerOfType(typeOfUrn(urn)).create(plain(inputs));
        return { id: result.id, outs: result.outs };
    }

    async read(id: string, urn: string, props: Props): Promise<provider.ReadResult> {
        const type = typeOfUrn(urn);
        const kind = providerOfType(type);
        const state = plain(props);
        if (isImportRead(state)) return importRead(pgKindOfType(type)!, kind, type, id);
        if (!kind.read) return { id, props: state };
        try {
            const result = await kind.read(id, state);
            return { id: result.id ?? id, props: result.props ?? {}, inputs: result.inputs };
        } catch (error) {
            // 3D000: the database the object lives in does not exist (a server rebuilt empty, a
            // database dropped), so neither does the object: refresh forgets it, up creates it again.
            if ((error as { code?: string })?.code === "3D000") return { id: "", props: {} };
            throw error;
        }
    }

    async update(id: string, urn: string, olds: Props, news: Props): Promise<provider.UpdateResult> {
        const kind = providerOfType(typeOfUrn(urn));
        const state = plain(olds);
        const inputs = plain(news);
        if (hasLegacyKeys(olds)) {
            // Only the state's form changed (0.1.x to the plugin): keep the object as it is.
            const diff = kind.diff ? await kind.diff(id, state, inputs) : { changes: true };
            if (!diff.changes) return { outs: state };
        }
        if (!kind.update) throw new Error(`${typeOfUrn(urn)}: its provider has no update`);
        return { outs: (await kind.update(id, state, inputs)).outs };
    }

    async delete(id: string, urn: string, props: Props): Promise<void> {
        const kind = providerOfType(typeOfUrn(urn));
        if (kind.delete) await kind.delete(id, plain(props));
    }
}
