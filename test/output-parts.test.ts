/**
 * sdk-internals/output-parts.ts: the one-Output forms give what `pulumi.secret` and `pulumi.all` give
 * (value, dependencies, unknown and secret state), and a record without Outputs stays plain.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { collectRecord, secretOutput } from "../sdk-internals/output-parts";
import { synthesize } from "../tools/synth/mock-runtime";

type Parts = { isSecret: Promise<boolean>; isKnown: Promise<boolean>; promise(): Promise<unknown>; allResources(): Promise<Set<pulumi.Resource>> };
const parts = (o: unknown) => o as Parts;

class Thing extends pulumi.CustomResource {
    declare public readonly value: pulumi.Output<string>;
    constructor(name: string) {
        super("test:index:Thing", name, { value: undefined });
    }
}

describe("one-Output forms (sdk-internals/output-parts.ts)", () => {
    it("collectRecord: a record without Outputs is returned as it is", () => {
        const record = { a: 1, b: "x" };
        assert.strictEqual(collectRecord(record), record);
    });

    it("collectRecord: one Output with every value resolved, the dependencies of all, secret when one is", async () => {
        await synthesize({
            project: "p", stack: "s",
            mocks: { newResource: (args) => ({ id: `${args.name}-id`, state: { value: `value-of-${args.name}` } }) },
            program: async () => {
                const one = new Thing("one");
                const two = new Thing("two");
                const collected = collectRecord<unknown>({ a: one.value, b: pulumi.secret(two.value), c: 3 });
                assert.ok(pulumi.Output.isInstance(collected));
                assert.deepStrictEqual(await parts(collected).promise(), { a: "value-of-one", b: "value-of-two", c: 3 });
                assert.strictEqual(await parts(collected).isSecret, true);
                assert.deepStrictEqual([...await parts(collected).allResources()].sort((x, y) => (x === one ? -1 : y === one ? 1 : 0)), [one, two]);
                const open = collectRecord<unknown>({ a: one.value });
                assert.strictEqual(await parts(open).isSecret, false);
                const sealed = secretOutput(one.value);
                assert.strictEqual(await parts(sealed).isSecret, true);
                assert.strictEqual(await parts(sealed).promise(), "value-of-one");
                assert.deepStrictEqual([...await parts(sealed).allResources()], [one]);
                return {};
            },
        });
    });

    it("collectRecord: unknown during preview when one value is, as pulumi.all is", async () => {
        await synthesize({
            project: "p", stack: "s", preview: true,
            mocks: { newResource: (args) => ({ id: `${args.name}-id`, state: {} }) },
            program: async () => {
                const thing = new Thing("unknown-yet");
                for (const [what, output] of [["collectRecord", collectRecord<unknown>({ a: thing.value, b: pulumi.output("known") })], ["pulumi.all", pulumi.all({ a: thing.value, b: pulumi.output("known") })]] as const) {
                    assert.strictEqual(await parts(output).isKnown, false, what);
                }
                return {};
            },
        });
    });

    it("collectRecord as a stack output: the same stack outputs as the Outputs left in place", async () => {
        const program = (collect: boolean) => () => {
            const one = new Thing("one");
            const summaries = { "facility-la-001": one.value.apply((v) => ({ healthUrl: v })), "facility-la-002": { healthUrl: "plain" } };
            return { facilities: collect ? collectRecord<unknown>(summaries) : summaries };
        };
        const mocks = { newResource: (args: { name: string }) => ({ id: `${args.name}-id`, state: { value: `http://${args.name}/health` } }) };
        const collected = await synthesize({ project: "p", stack: "s", mocks, program: program(true) });
        const left = await synthesize({ project: "p", stack: "s", mocks, program: program(false) });
        assert.deepStrictEqual(collected.outputs, left.outputs);
        assert.deepStrictEqual(collected.outputs.facilities, { "facility-la-001": { healthUrl: "http://one/health" }, "facility-la-002": { healthUrl: "plain" } });
    });
});
