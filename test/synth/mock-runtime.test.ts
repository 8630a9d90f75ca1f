import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as aws from "@pulumi/aws";
import { synthesize, SynthError, REDACTED } from "../../tools/synth/mock-runtime";

class Box extends pulumi.ComponentResource {
    public readonly password: pulumi.Output<string>;
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("test:index:Box", name, {}, opts);
        const pw = new random.RandomPassword(`${name}-pw`, { length: 20 }, { parent: this });
        this.password = pw.result;
        new aws.s3.Bucket(`${name}-bucket`, { tags: { secretish: pw.result, plain: "x" } }, { parent: this });
        this.registerOutputs({ password: this.password });
    }
}

describe("synthesize (mock runtime recorder)", () => {
    it("records type, name, parent and redacts secret inputs and outputs", async () => {
        const result = await synthesize({
            project: "p", stack: "s",
            program: () => {
                const box = new Box("b1");
                return { password: box.password, plain: "hello" };
            },
        });
        const types = result.resources.map((r) => r.type).sort();
        assert.deepStrictEqual(types, ["aws:s3/bucket:Bucket", "random:index/randomPassword:RandomPassword", "test:index:Box"]);
        const bucket = result.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
        const box = result.resources.find((r) => r.type === "test:index:Box")!;
        assert.strictEqual(bucket.parent, box.urn);
        assert.deepStrictEqual(bucket.secretPaths, ["tags.secretish"]);
        assert.strictEqual((bucket.inputs.tags as any).secretish, REDACTED);
        assert.strictEqual((bucket.inputs.tags as any).plain, "x");
        assert.strictEqual(result.outputs.password, REDACTED);
        assert.deepStrictEqual(result.secretOutputs, ["password"]);
        assert.strictEqual(result.outputs.plain, "hello");
        assert.ok(!JSON.stringify(result).includes("mock-password"), "no plaintext secret anywhere in the synth result");
    });

    it("runs a second program in the same process and reports a failing one with what it registered", async () => {
        await assert.rejects(
            synthesize({ project: "p", stack: "s2", program: () => { throw new Error("boom"); } }),
            (err: unknown) => err instanceof SynthError && err.message === "boom" && err.partial.resources.length === 0,
        );
        const again = await synthesize({ project: "p", stack: "s3", config: { "p:x": "1" }, program: () => ({ x: new pulumi.Config("p").require("x") }) });
        assert.strictEqual(again.outputs.x, "1");
        assert.strictEqual(again.resources.length, 0);
    });
});
