/**
 * A preview-only STAND-IN for a cloud provider plugin whose real plugin cannot be built on these
 * machines (docs/engine.md, "Provider plugins"). Written with `@pulumi/pulumi/provider`, launched
 * as `pulumi-resource-<package>` from a PATH directory that only the cloud-preview test and the
 * preview benchmark put first (tools/engine/stand-ins/index.ts); the main job never sees it.
 *
 * - check returns the inputs as they are (no provider defaults, no validation of its own);
 * - diff compares old and new inputs key by key (a change is an update, never a replace);
 * - create, update and delete are refused: nothing is ever deployed through a stand-in;
 * - invoke answers only the provider functions the library's stacks call, with values derived
 *   from their arguments (listed in INVOKES), and refuses any other by its token.
 * Every invoke is appended to $AGOGSAAS_STAND_IN_LOG (one JSON line) so a test can say which
 * functions a stack calls.
 */
import * as fs from "fs";
import * as provider from "@pulumi/pulumi/provider";

type Inputs = Record<string, unknown>;

/** Provider functions the stacks call, per package, answered from their arguments. */
const INVOKES: Record<string, Record<string, (args: Inputs) => Inputs>> = {
    aws: {
        "aws:index/getPartition:getPartition": () => ({ id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" }),
        // Names of the usual form: "<region>a", "<region>b", "<region>c" (a stand-in cannot ask AWS).
        "aws:index/getAvailabilityZones:getAvailabilityZones": (args) => {
            // The provider's configured region is not visible to a @pulumi/pulumi/provider plugin: the library passes it.
            if (typeof args.region !== "string") throw new Error("stand-in aws plugin: getAvailabilityZones without `region` cannot be answered");
            const region = args.region;
            const names = ["a", "b", "c"].map((suffix) => `${region}${suffix}`);
            return { id: region, names, zoneIds: names.map((_, i) => `${region}-az${i + 1}`), groupNames: [region], state: args.state, region };
        },
    },
};

export class StandIn implements provider.Provider {
    constructor(readonly pkg: string, readonly version: string) {}

    async check(_urn: string, _olds: Inputs, news: Inputs): Promise<provider.CheckResult> {
        return { inputs: news };
    }

    async diff(_id: string, _urn: string, olds: Inputs, news: Inputs): Promise<provider.DiffResult> {
        const keys = [...new Set([...Object.keys(olds ?? {}), ...Object.keys(news ?? {})])].filter((k) => !k.startsWith("__"));
        const diffs = keys.filter((k) => JSON.stringify(olds?.[k]) !== JSON.stringify(news?.[k]));
        return { changes: diffs.length > 0, replaces: [], stables: keys.filter((k) => !diffs.includes(k)), deleteBeforeReplace: false };
    }

    private refuse(what: string, urn: string): never {
        throw new Error(`stand-in ${this.pkg} plugin (preview only, docs/engine.md): refusing to ${what} ${urn}; nothing is deployed through a stand-in`);
    }
    async create(urn: string): Promise<provider.CreateResult> { return this.refuse("create", urn); }
    async update(_id: string, urn: string): Promise<provider.UpdateResult> { return this.refuse("update", urn); }
    async delete(_id: string, urn: string): Promise<void> { return this.refuse("delete", urn); }

    async invoke(token: string, inputs: Inputs): Promise<provider.InvokeResult> {
        if (process.env.AGOGSAAS_STAND_IN_LOG) fs.appendFileSync(process.env.AGOGSAAS_STAND_IN_LOG, `${JSON.stringify({ pkg: this.pkg, token, inputs })}\n`);
        const answer = INVOKES[this.pkg]?.[token];
        if (!answer) throw new Error(`stand-in ${this.pkg} plugin: provider function ${token} is not answered (add it to tools/engine/stand-ins/provider.ts INVOKES with a value derived from its arguments)`);
        return { outputs: answer(inputs) };
    }
}

/** `node provider.js <package> <version> [engine address]` (what the generated launcher runs). */
if (require.main === module) {
    const [pkg, version, ...args] = process.argv.slice(2);
    void provider.main(new StandIn(pkg, version), args);
}
