import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SynthResult, synthesize } from "../../tools/synth/mock-runtime";
import { diffMarkdown, diffSynth } from "../../tools/synth/compare";

let n = 0;
const synth = (program: () => unknown): Promise<SynthResult> => synthesize({ project: "cmp", stack: `s${++n}`, program });

class Box extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("test:index:Box", name, {}, opts);
        this.registerOutputs({});
    }
}

describe("preview diff (tools/synth/compare.ts)", () => {
    it("counts adds, updates (with changed keys), replacements and deletes; never prints secrets", async () => {
        const base = await synth(() => {
            const pw = new random.RandomPassword("pw", { length: 20 });
            new aws.rds.Instance("db", { instanceClass: "db.t4g.micro", password: pw.result, tags: { env: "prod" } });
            new aws.s3.Bucket("logs", { region: "eu-central-1" });
            new aws.s3.Bucket("old", {});
            new aws.sqs.Queue("moved", {});
            return { dbPassword: pw.result, endpoint: "a" };
        });
        const head = await synth(() => {
            const pw = new random.RandomPassword("pw", { length: 24 });
            new aws.rds.Instance("db", { instanceClass: "db.r6g.large", password: pw.result, tags: { env: "prod", team: "data" } });
            new aws.s3.Bucket("logs", { region: "eu-west-1" });
            new aws.s3.Bucket("new", {});
            const box = new Box("box");
            new aws.sqs.Queue("moved", {}, { parent: box });
            return { dbPassword: pw.result, endpoint: "b" };
        });
        // The two programs ran as different stacks: compare as the same stack.
        const rebased = { ...head, resources: head.resources.map((r) => JSON.parse(JSON.stringify(r).split(`urn:pulumi:${head.stack}::`).join(`urn:pulumi:${base.stack}::`))) };
        const diff = diffSynth(base, rebased);
        const byKind = (kind: string) => diff.changes.filter((c) => c.kind === kind).map((c) => c.name).sort();
        assert.deepStrictEqual(byKind("add"), ["box", "new"]);
        assert.deepStrictEqual(byKind("delete"), ["old"]);
        assert.deepStrictEqual(byKind("replace"), ["logs", "moved"]);
        assert.deepStrictEqual(byKind("update"), ["db", "pw"]);
        const db = diff.changes.find((c) => c.name === "db")!;
        assert.deepStrictEqual(db.changedKeys, ["instanceClass", "tags.team"]);
        assert.strictEqual(db.changedValues.instanceClass, '"db.t4g.micro" → "db.r6g.large"');
        assert.match(diff.changes.find((c) => c.name === "moved")!.replaceReason!, /URN changed without an alias/);
        assert.deepStrictEqual(diff.outputs.changed, ["endpoint"]);

        const md = diffMarkdown(diff, { title: "Preview diff" });
        assert.match(md, /\*\*\+2 to add, ~2 to update, \+-2 to replace, -1 to delete\*\* \(0 unchanged\)/);
        assert.match(md, /<details>\n<summary>~ 2 to update<\/summary>/);
        assert.match(md, /`aws:s3\/bucket:Bucket` \*\*logs\*\* — `region` changed/);
        assert.ok(!md.includes("mock-password"), "no secret value");
        assert.ok(!/dbPassword[^`]*mock/.test(md) && !md.includes('"a" → "b"'), "output values are never printed");
    });

    it("matches a renamed resource through its alias (an update, not delete + create)", async () => {
        const base = await synth(() => { new aws.sqs.Queue("jobs", {}); });
        const head = await synth(() => { new aws.sqs.Queue("work", { delaySeconds: 5 }, { aliases: [`urn:pulumi:${base.stack}::cmp::aws:sqs/queue:Queue::jobs`] }); });
        const diff = diffSynth(base, head);
        assert.deepStrictEqual(diff.changes.map((c) => [c.kind, c.name, c.changedKeys.join(",")]), [["update", "work", "delaySeconds"]]);
    });

    it("stays under the size limit by trimming detail, never the summary", async () => {
        const base = await synth(() => undefined);
        const head = await synth(() => { for (let i = 0; i < 400; i++) new aws.sqs.Queue(`queue-with-a-long-name-${i}`, { tags: { a: "1", b: "2" } }); });
        const diff = diffSynth(base, head);
        const full = diffMarkdown(diff, { maxChars: 65_536 });
        assert.ok(full.includes("queue-with-a-long-name-399"));
        const small = diffMarkdown(diff, { maxChars: 4000 });
        assert.ok(small.length <= 4000, `length ${small.length}`);
        assert.match(small, /\*\*\+400 to add, ~0 to update, \+-0 to replace, -0 to delete\*\*/);
        assert.match(small, /more not shown \(comment size limit\)/);
    });
});
