/**
 * components/postgres/secret-input.ts: whatever the shape of the value, the result is what
 * `pulumi.secret` gives — secret, the same value, the same dependencies, unknown when a part is
 * unknown — and one wrapper per value object.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { secretInput } from "../components/postgres/secret-input";
import { synthesize } from "../tools/synth/mock-runtime";

type Internals = { isSecret: Promise<boolean>; isKnown: Promise<boolean>; promise(withUnknowns?: boolean): Promise<unknown>; allResources(): Promise<Set<pulumi.Resource>> };
const internals = (o: pulumi.Output<unknown>) => o as unknown as Internals;

class Thing extends pulumi.CustomResource {
    declare public readonly secretValue: pulumi.Output<string>;
    constructor(name: string, props: pulumi.Inputs = {}) {
        super("test:index:Thing", name, { secretValue: undefined, ...props });
    }
}

describe("secretInput (components/postgres/secret-input.ts)", () => {
    it("marks an Output, a flat record with Output fields, a nested record and a string secret, with their values", async () => {
        await synthesize({
            project: "p", stack: "s",
            mocks: { newResource: (args) => ({ id: `${args.name}-id`, state: { ...args.inputs, secretValue: `value-of-${args.name}` } }) },
            program: async () => {
                const thing = new Thing("pw");
                const cases: [string, pulumi.Output<unknown>, unknown][] = [
                    ["output", secretInput(thing.secretValue), "value-of-pw"],
                    ["flat record", secretInput({ host: "h", port: 5432, password: thing.secretValue, user: pulumi.output("u") }), { host: "h", port: 5432, password: "value-of-pw", user: "u" }],
                    ["nested record", secretInput({ server: { host: "h" }, password: thing.secretValue }), { server: { host: "h" }, password: "value-of-pw" }],
                    ["string", secretInput("plain"), "plain"],
                ];
                for (const [what, output, expected] of cases) {
                    assert.strictEqual(await internals(output).isSecret, true, `${what}: secret`);
                    assert.deepStrictEqual(await internals(output).promise(), expected, `${what}: value`);
                }
                const resources = await internals(cases[1][1]).allResources();
                assert.ok([...resources].includes(thing), "the flat record keeps its field's resource as a dependency");
                return {};
            },
        });
    });

    it("makes one wrapper per value object and returns a wrapper as it is", () => {
        const value = pulumi.output("x");
        const record = { host: "h", password: value };
        assert.strictEqual(secretInput(value), secretInput(value));
        assert.strictEqual(secretInput(record), secretInput(record));
        const wrapper = secretInput(value);
        assert.strictEqual(secretInput(wrapper), wrapper);
    });

    it("registers the same inputs as pulumi.secret: the property secret, its dependencies kept", async () => {
        const program = (wrap: (v: pulumi.Input<unknown>) => pulumi.Output<unknown>) => () => {
            const pw = new Thing("pw");
            new Thing("user", { connection: wrap({ host: "h", port: 5432, password: pw.secretValue }) });
            return {};
        };
        const shape = async (wrap: (v: pulumi.Input<unknown>) => pulumi.Output<unknown>) => {
            const result = await synthesize({ project: "p", stack: "s", program: program(wrap) });
            const user = result.resources.find((r) => r.name === "user")!;
            return { inputs: user.inputs, secretPaths: user.secretPaths, dependencies: user.dependencies };
        };
        const ours = await shape((v) => secretInput(v));
        assert.deepStrictEqual(ours, await shape((v) => pulumi.secret(v)));
        assert.deepStrictEqual(ours.secretPaths, ["connection"]);
        assert.strictEqual(ours.dependencies.length, 1);
    });

    it("is unknown during preview when a field is unknown, as pulumi.secret is", async () => {
        await synthesize({
            project: "p", stack: "s", preview: true,
            mocks: { newResource: (args) => ({ id: `${args.name}-id`, state: {} }) },
            program: async () => {
                const thing = new Thing("pw");
                for (const wrap of [secretInput, pulumi.secret]) {
                    const output = wrap({ host: "h", password: thing.secretValue }) as pulumi.Output<unknown>;
                    assert.strictEqual(await internals(output).isKnown, false, wrap.name);
                    assert.strictEqual(await internals(output).isSecret, true, wrap.name);
                }
                return {};
            },
        });
    });
});
