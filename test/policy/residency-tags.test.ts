import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import { residencyTags } from "../../components/shared/sovereignty";
import { assertViolations, evaluateProgram } from "./helpers";

const POLICY = "data-store-residency-tags";

describe("policy: data-store-residency-tags", () => {
    it("flags data stores without residency/classification tags or labels (AWS tags, k8s labels, Docker labels)", async () => {
        const result = await evaluateProgram({
            zone: "us", config: { "aws:region": "us-east-1" },
            program: () => {
                new aws.s3.Bucket("untagged", {});
                new k8s.core.v1.PersistentVolumeClaim("pvc", { metadata: { labels: { app: "x" } }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } });
                new docker.Volume("pgdata", { labels: [{ label: "data-residency", value: "us" }] });
                new aws.ec2.Vpc("not-a-store", { cidrBlock: "10.0.0.0/16" });
            },
        });
        const found = assertViolations(result, POLICY, 5);
        assert.deepStrictEqual(found.filter((v) => v.name === "untagged").map((v) => v.message).sort(), [
            "data store has no `data-classification` tag; expected one of personal, operational, aggregate",
            "data store has no `data-residency` tag; expected \"us\"",
        ]);
        assert.strictEqual(found.filter((v) => v.name === "pvc").length, 2);
        assert.deepStrictEqual(found.filter((v) => v.name === "pgdata").map((v) => v.message), [
            "data store has no `data-classification` tag; expected one of personal, operational, aggregate",
        ]);
    });

    it("passes stores tagged with residencyTags() for the stack's zone", async () => {
        const result = await evaluateProgram({
            zone: "eu", config: { "aws:region": "eu-central-1" },
            program: () => {
                new aws.s3.Bucket("tagged", { tags: { ...residencyTags("eu", "aggregate"), team: "x" } });
                new docker.Volume("pgdata", { labels: Object.entries(residencyTags("eu", "personal")).map(([label, value]) => ({ label, value })) });
            },
        });
        assertViolations(result, POLICY, 0);
    });

    it("flags a residency tag naming another zone and an unknown classification", async () => {
        const result = await evaluateProgram({
            zone: "eu",
            program: () => { new aws.rds.Instance("db", { instanceClass: "db.t4g.micro", tags: { "data-residency": "us", "data-classification": "secret" } }); },
        });
        assertViolations(result, POLICY, 2, "db");
        assert.ok(result.violations.some((v) => /tagged `data-residency=us` but this stack is in zone "eu"/.test(v.message)));
        assert.ok(result.violations.some((v) => /`data-classification=secret` is not one of/.test(v.message)));
    });

    it("remediates (level remediate): adds the zone and the strictest classification, keeps existing tags", async () => {
        const result = await evaluateProgram({
            zone: "apac",
            policyConfig: { [POLICY]: { enforcementLevel: "remediate", zone: "apac" } },
            program: () => {
                new aws.s3.Bucket("bare", { tags: { team: "data" } });
                new aws.rds.Instance("classified", { instanceClass: "db.t4g.micro", tags: { "data-classification": "aggregate" } });
                new aws.s3.Bucket("wrong-zone", { tags: residencyTags("eu", "personal") });
            },
        });
        const byName = Object.fromEntries(result.remediations.map((r) => [r.urn.split("::").pop(), r.props]));
        assert.deepStrictEqual((byName.bare as any).tags, { "data-residency": "apac", "data-classification": "personal", team: "data" });
        assert.deepStrictEqual((byName.classified as any).tags, { "data-residency": "apac", "data-classification": "aggregate" });
        assert.strictEqual(byName["wrong-zone"], undefined, "a wrong residency tag is not rewritten");
        // Validation runs on the remediated props, as mandatory: only the wrong zone remains.
        assertViolations(result, POLICY, 1, "wrong-zone", /tagged `data-residency=eu`/);
        assert.strictEqual(result.violations[0].enforcementLevel, "mandatory");
    });
});
