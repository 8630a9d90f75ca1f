/**
 * The GitHub Actions workflows are valid (schema of workflows, via @action-validator/core, the
 * engine of @action-validator/cli) and wired as docs/ci.md says: per-stack preview with the
 * policy pack where credentials exist, an offline job for everyone, ordered deploys on main.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const validator = require("@action-validator/core") as { validateWorkflow(src: string): { errors: unknown[] } };

const DIR = path.resolve(__dirname, "../.github/workflows");
const read = (file: string) => fs.readFileSync(path.join(DIR, file), "utf8");
const workflow = (file: string) => YAML.parse(read(file));

describe("GitHub Actions workflows", () => {
    const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

    it("are all valid workflow files", () => {
        assert.deepStrictEqual(files, ["deploy-stack.yml", "main.yml", "pull-request.yml"]);
        for (const file of files) {
            const { errors } = validator.validateWorkflow(read(file));
            assert.deepStrictEqual(errors, [], `${file}: ${JSON.stringify(errors, null, 2)}`);
        }
    });

    it("the validator rejects a broken workflow (so the check above can fail)", () => {
        const broken = read("pull-request.yml").replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: soon").replace(/^on:/m, "onn:");
        assert.ok(validator.validateWorkflow(broken).errors.length > 0);
        assert.ok(validator.validateWorkflow("jobs:\n  x:\n    steps: 3\n").errors.length > 0);
    });

    it("pull requests: offline job for everyone; pulumi preview --diff with the policy pack per stack only with credentials, never for forks", () => {
        const pr = workflow("pull-request.yml");
        assert.deepStrictEqual(Object.keys(pr.on), ["pull_request"]);
        const offline = pr.jobs.offline;
        const runs = offline.steps.map((s: { run?: string }) => s.run ?? "").join("\n");
        for (const command of ["npm ci", "npm test", "npm run -s synth", "npm run -s pr-comment"]) assert.ok(runs.includes(command), command);
        assert.ok(!JSON.stringify(offline).includes("secrets."), "the offline job uses no secrets");
        const comment = offline.steps.find((s: { uses?: string }) => s.uses?.startsWith("marocchino/sticky-pull-request-comment@"));
        assert.match(comment.if, /head\.repo\.full_name == github\.repository/);

        const preview = pr.jobs.preview;
        assert.match(preview.if, /needs\.credentials\.outputs\.available == 'true'/);
        assert.match(preview.if, /head\.repo\.full_name == github\.repository/);
        assert.deepStrictEqual(preview.strategy.matrix.include.map((m: { stack: string }) => m.stack), ["us-east", "eu-central", "apac"]);
        const pulumiStep = preview.steps.find((s: { uses?: string }) => s.uses?.startsWith("pulumi/actions@"));
        assert.match(pulumiStep.uses, /^pulumi\/actions@v\d+/, "the action version is pinned");
        assert.strictEqual(pulumiStep.with.command, "preview");
        assert.strictEqual(pulumiStep.with.diff, true);
        assert.strictEqual(pulumiStep.with["comment-on-pr"], true);
        assert.strictEqual(pulumiStep.with.policyPacks, "policy");
    });

    it("main: pulumi up per stack in order us-east -> eu-central -> apac, with the policy pack", () => {
        const main = workflow("main.yml");
        assert.deepStrictEqual(main.on.push.branches, ["main"]);
        assert.strictEqual(main.jobs["us-east"].needs, undefined);
        assert.strictEqual(main.jobs["eu-central"].needs, "us-east");
        assert.strictEqual(main.jobs.apac.needs, "eu-central");
        for (const stack of ["us-east", "eu-central", "apac"]) {
            assert.strictEqual(main.jobs[stack].uses, "./.github/workflows/deploy-stack.yml");
            assert.strictEqual(main.jobs[stack].with.stack, stack);
        }
        const up = workflow("deploy-stack.yml").jobs.up.steps.find((s: { uses?: string }) => s.uses?.startsWith("pulumi/actions@"));
        assert.strictEqual(up.with.command, "up");
        assert.strictEqual(up.with.policyPacks, "policy");
        assert.ok(up.with.policyPackConfigs.includes("policy-config.json"));
    });

    it("every third-party action is pinned to a version", () => {
        for (const file of files) {
            for (const match of read(file).matchAll(/uses:\s*([^\s#]+)/g)) {
                if (match[1].startsWith("./")) continue;
                assert.match(match[1], /@v\d+(\.\d+){0,2}$|@[0-9a-f]{40}$/, `${file}: ${match[1]}`);
            }
        }
    });
});
