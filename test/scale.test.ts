/**
 * The pure parts of the synth benchmark (bench/synth): the generated fleet config is valid for the
 * real stack program and has the requested shape, the bare-SDK replay rebuilds what was recorded,
 * the report derives its figures correctly, and the SDK stack-capture setting does what it says.
 * No timings are asserted here; speed is measured by `npm run bench:synth`.
 */
import * as assert from "assert";
import * as path from "path";
import { spawnSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfigFiles } from "../tools/synth/stack-config";
import { parseStackConfig } from "../stacks/config";
import { FACILITY_ID_PATTERN } from "../components/edge-site/args";
import { SITES, defaultTenantCount, facilityId, fleetConfig, generateFacilities, generateTenants } from "../bench/synth/fleet-config";
import { RecordedRead, STACK_REFERENCE_TYPE, registrationOrder, replayInputs, replayProgram, withDeclaredProperties } from "../bench/synth/replay";
import { HEADER, Measurement, growth, perFacility, tableRows } from "../bench/synth/report";
import { DEFAULT_STACK_CAPTURE, SHORT_STACK_FRAMES, resolveStackCapture, tuneSdkRegistration } from "../sdk-internals/sdk-tuning";
import { SynthResource, SynthResult, synthesize } from "../tools/synth/mock-runtime";
import type { WorkerResult } from "../bench/synth/protocol";
import { main as benchMain, medianRun, projectNodeArgs } from "../bench/synth/main";

const ROOT = path.join(__dirname, "..");

describe("bench/synth fleet config generator", () => {
    const base = loadStackConfigFiles("us-east", ROOT).config;

    it("numbers facilities per site and keeps every id valid and unique up to 25,000", () => {
        assert.strictEqual(facilityId(0), "facility-la-001");
        assert.strictEqual(facilityId(1), "facility-dal-001");
        assert.strictEqual(facilityId(SITES.length), "facility-la-002");
        assert.strictEqual(facilityId(SITES.length * 998), "facility-la-999");
        assert.strictEqual(facilityId(SITES.length * 999), "facility-la2-001");
        const ids = Array.from({ length: 25_000 }, (_, i) => facilityId(i));
        assert.strictEqual(new Set(ids).size, ids.length);
        const invalid = ids.filter((id) => !FACILITY_ID_PATTERN.test(id));
        assert.deepStrictEqual(invalid, []);
        assert.throws(() => facilityId(-1), RangeError);
    });

    it("spreads facilities round robin over the tenants, cycles size tiers and marks every 50th offline", () => {
        const tenants = generateTenants(3);
        const facilities = generateFacilities(100, tenants);
        assert.deepStrictEqual(facilities.slice(0, 4).map((f) => f.tenant), ["tenant-t0001", "tenant-t0002", "tenant-t0003", "tenant-t0001"]);
        assert.deepStrictEqual(facilities.slice(0, 3).map((f) => f.size), ["small", "medium", "large"]);
        assert.deepStrictEqual(facilities.filter((f) => f.offline).map((f) => f.id), [facilityId(49), facilityId(99)]);
        assert.strictEqual(facilities[0].dockerHost, "ssh://agog@edge-la-001.vpn.agogsaas.example.com");
        assert.throws(() => generateFacilities(1, []), /at least one tenant/);
    });

    it("produces config the real stack program accepts, in both modes", () => {
        for (const [mode, deployment] of [["inline", "inline"], ["regional", "stacks"]] as const) {
            const parsed = parseStackConfig(fleetConfig(base, { facilities: 120, mode }), "us-east");
            assert.strictEqual(parsed.facilities.length, 120);
            assert.strictEqual(parsed.tenants.length, defaultTenantCount(120));
            assert.strictEqual(defaultTenantCount(120), 5);
            assert.deepStrictEqual([...new Set(parsed.facilities.map((f) => f.edgeDeployment))], [deployment]);
            // Everything else comes from the real stack file.
            assert.strictEqual(parsed.region, "us-east-1");
            assert.strictEqual(parsed.peers.length, parseStackConfig(base, "us-east").peers.length);
        }
    });

    it("refuses nonsense sizes", () => {
        assert.throws(() => fleetConfig(base, { facilities: -1 }), /non-negative integer/);
        assert.throws(() => fleetConfig(base, { facilities: 2, tenants: 0 }), /positive integer/);
        assert.throws(() => fleetConfig(base, { facilities: 2, mode: "edge" as never }), /mode must be one of/);
    });
});

function recorded(partial: Partial<SynthResource> & Pick<SynthResource, "urn" | "type" | "name" | "custom">): SynthResource {
    return {
        inputs: {}, secretPaths: [], dependencies: [], aliases: [], ignoreChanges: [], retainOnDelete: false, protect: false,
        ...partial,
    };
}

describe("bench/synth bare-SDK replay", () => {
    it("orders parents and providers before their children", () => {
        const child = recorded({ urn: "c", type: "t:m:C", name: "c", custom: true, parent: "p", provider: "prov" });
        const parent = recorded({ urn: "p", type: "t:m:P", name: "p", custom: false });
        const provider = recorded({ urn: "prov", type: "pulumi:providers:docker", name: "prov", custom: true, parent: "p" });
        assert.deepStrictEqual(registrationOrder([child, provider, parent]).map((r) => r.urn), ["p", "prov", "c"]);
    });

    it("wraps secret paths again and declares the type's other properties as undefined", async () => {
        const inputs = replayInputs({ inputs: { a: { b: ["x", "s3cret"] }, c: 1 }, secretPaths: ["a.b[1]"] });
        const b = (inputs.a as { b: unknown[] }).b;
        assert.strictEqual(b[0], "x");
        assert.ok(pulumi.Output.isInstance(b[1]));
        // isSecret is marked internal in the SDK typings.
        assert.strictEqual(await (b[1] as unknown as { isSecret: Promise<boolean> }).isSecret, true);
        assert.deepStrictEqual(withDeclaredProperties({ a: 1 }, ["a", "out1", "out2"]), { a: 1, out1: undefined, out2: undefined });
    });

    it("wired: an input another resource produced is an Output of it again, the rest stays dependsOn", async () => {
        const program = () => {
            class Thing extends pulumi.CustomResource {}
            const ref = new pulumi.StackReference("edge-ref", { name: "org/p/edge" });
            const image = new Thing("t:m:Image", "image", { name: "postgres:16" });
            const volume = new Thing("t:m:Volume", "volume", { name: "data" });
            new Thing("t:m:Container", "box", {
                image: (image as unknown as { name: pulumi.Output<string> }).name,
                host: ref.outputs.apply(() => "10.0.0.5"),
                port: 5432,
            }, { dependsOn: [volume] });
            return {};
        };
        const original = await synthesize({ project: "p", stack: "s", program, recordForReplay: true });
        const urn = (name: string) => original.resources.find((r) => r.name === name)?.urn ?? `read:${name}`;
        const box = (result: SynthResult) => result.resources.find((r) => r.name === "box")!;
        assert.deepStrictEqual(Object.keys(box(original).propertyDependencies ?? {}).sort(), ["host", "image"]);
        const reads: RecordedRead[] = [{ urn: box(original).propertyDependencies!.host[0], type: STACK_REFERENCE_TYPE, name: "edge-ref", id: "org/p/edge", inputs: {}, outputNames: [] }];
        assert.ok(reads[0].urn.includes("StackReference"), reads[0].urn);

        const wired = await synthesize({ project: "p", stack: "s", program: replayProgram({ ...original, reads }, "wired"), recordForReplay: true });
        assert.deepStrictEqual(box(wired).propertyDependencies, box(original).propertyDependencies);
        assert.deepStrictEqual(box(wired).inputs, box(original).inputs);
        assert.deepStrictEqual([...box(wired).dependencies].sort(), [...box(original).dependencies].sort());
        assert.ok(box(wired).dependencies.includes(urn("volume")));

        const plain = await synthesize({ project: "p", stack: "s", program: replayProgram({ ...original, reads }, "plain"), recordForReplay: true });
        assert.strictEqual(box(plain).propertyDependencies, undefined, "plain: no input comes from another resource");
        assert.deepStrictEqual(box(plain).inputs, box(original).inputs);
    });

    it("replays secret inputs and outputs with their values (recordForReplay), still secret; the synth output redacts them", async () => {
        const program = () => {
            class Thing extends pulumi.CustomResource {}
            new Thing("t:m:Db", "db", { connection: pulumi.secret({ host: "h", port: 5432, password: "pw-123" }), name: "app" }, { additionalSecretOutputs: ["name"] });
            return { kubeconfig: pulumi.secret("apiVersion: v1"), plain: 1 };
        };
        const redacted = await synthesize({ project: "p", stack: "s", program });
        assert.strictEqual(redacted.resources[0].inputs.connection, "[secret]");
        assert.strictEqual(redacted.outputs.kubeconfig, "[secret]");

        const recorded = await synthesize({ project: "p", stack: "s", program, recordForReplay: true });
        assert.deepStrictEqual(recorded.resources[0].inputs.connection, { host: "h", port: 5432, password: "pw-123" });
        assert.deepStrictEqual(recorded.resources[0].secretPaths, ["connection"]);
        const replayed = await synthesize({ project: "p", stack: "s", program: replayProgram(recorded), recordForReplay: true });
        assert.deepStrictEqual(replayed.resources[0].inputs, recorded.resources[0].inputs);
        assert.deepStrictEqual(replayed.resources[0].secretPaths, ["connection"]);
        assert.deepStrictEqual(replayed.resources[0].additionalSecretOutputs, ["name"], "resource options replayed too");
        assert.deepStrictEqual(replayed.outputs, { kubeconfig: "apiVersion: v1", plain: 1 });
        assert.deepStrictEqual(replayed.secretOutputs, ["kubeconfig"]);
    });

    it("re-registers the same graph: types, names, parents, providers and inputs", async () => {
        const original = await synthesize({
            project: "p", stack: "s",
            program: () => {
                class Provider extends pulumi.ProviderResource {}
                class Network extends pulumi.CustomResource {}
                class Box extends pulumi.ComponentResource {
                    constructor(name: string) {
                        super("test:index:Box", name, {}, {});
                        const provider = new Provider("docker", `${name}-docker`, { host: "ssh://a@b" }, { parent: this });
                        new Network("docker:index/network:Network", `${name}-net`, { name: "n", labels: [{ label: "k", value: "v" }] }, { parent: this, provider });
                        this.registerOutputs({});
                    }
                }
                new Box("one");
                return { answer: 42 };
            },
        });
        const replayed = await synthesize({ project: "p", stack: "s", program: replayProgram(original) });
        const shape = (rs: SynthResource[]) => rs.map((r) => ({ urn: r.urn, parent: r.parent, provider: r.provider, custom: r.custom, inputs: r.inputs })).sort((a, b) => a.urn.localeCompare(b.urn));
        assert.strictEqual(replayed.resources.length, 3);
        assert.deepStrictEqual(shape(replayed.resources), shape(original.resources));
        assert.deepStrictEqual(replayed.outputs, { answer: 42 });
    });

    it("replays recorded reads: a StackReference and the outputs fetched from it", async () => {
        const fetched: string[] = [];
        const original = pulumi.StackReference.prototype.getOutput;
        pulumi.StackReference.prototype.getOutput = function (name) {
            fetched.push(String(name));
            return original.call(this, name);
        };
        try {
            const program = replayProgram({
                resources: [], outputs: {},
                reads: [{ urn: "u", type: STACK_REFERENCE_TYPE, name: "edge-ref", id: "org/agogsaas/edge-x", inputs: {}, outputNames: ["healthUrl", "adminUser"] }],
            });
            const replayed = await synthesize({ project: "p", stack: "s", program });
            assert.strictEqual(replayed.resources.length, 0, "a read is not a registration");
            assert.deepStrictEqual(fetched, ["healthUrl", "adminUser"]);
        } finally {
            pulumi.StackReference.prototype.getOutput = original;
        }
    });
});

describe("bench/synth report", () => {
    const result = (resources: number, evalMs: number, maxRssKb = 1024): WorkerResult => ({
        kind: "library", resources, reads: 0, custom: resources, types: {}, loadMs: 0, evalMs, cpuMs: evalMs, maxRssKb,
    });
    const m = (facilities: number, evalMs: number, resources: number, baselineMs?: number): Measurement => ({
        mode: "inline", facilities, library: result(resources, evalMs), baseline: baselineMs === undefined ? undefined : result(resources, baselineMs),
    });
    const runs = [m(0, 1000, 100), m(100, 3000, 2100, 2000), m(1000, 21000, 20100, 15000)];

    it("computes marginal per-facility cost against the 0-facility run and the 100 -> 1000 growth", () => {
        assert.strictEqual(perFacility((x) => x.library.resources, runs[2], runs[0]), 20);
        assert.strictEqual(perFacility((x) => x.library.evalMs, runs[1], runs[0]), 20);
        assert.strictEqual(perFacility((x) => x.library.evalMs, runs[0], runs[0]), undefined);
        assert.strictEqual(growth(runs, "inline", 100, 1000, (x) => x.library.evalMs), 7);
        assert.strictEqual(growth(runs, "regional", 100, 1000, (x) => x.library.evalMs), undefined);
    });

    it("prints the library / bare-SDK ratios per row, against the plain and the wired replay", () => {
        const wiredRuns = runs.map((run, i) => ({ ...run, wired: i === 0 ? undefined : result(run.library.resources, [0, 2500, 17500][i]) }));
        const rows = tableRows(wiredRuns);
        const column = (name: (typeof HEADER)[number]) => rows.map((r) => r[HEADER.indexOf(name)]);
        assert.deepStrictEqual(column("library / bare SDK"), ["", "1.50x", "1.40x"]);
        assert.deepStrictEqual(column("library / bare SDK (CPU)"), ["", "1.50x", "1.40x"]);
        assert.deepStrictEqual(column("wired bare SDK eval s"), ["", "2.50", "17.50"]);
        assert.deepStrictEqual(column("library / wired"), ["", "1.20x", "1.20x"]);
        assert.ok(rows.every((r) => r.length === HEADER.length));
        assert.deepStrictEqual(rows.map((r) => r[8]), ["", "20.0", "20.0"]);
        assert.deepStrictEqual(rows.map((r) => r[3]), ["0", "0", "0"]);
    });
});

describe("bench/synth repeated runs", () => {
    const run = (evalMs: number): WorkerResult => ({ kind: "library", resources: 1, reads: 0, custom: 1, types: {}, loadMs: 1, evalMs, cpuMs: evalMs, maxRssKb: evalMs * 10 });

    it("reports the run with the median eval time, whole (its CPU and RSS with it)", () => {
        assert.strictEqual(medianRun([run(30), run(10), run(20)]).evalMs, 20);
        assert.strictEqual(medianRun([run(30), run(10), run(20)]).maxRssKb, 200);
        assert.strictEqual(medianRun([run(5)]).evalMs, 5);
        assert.strictEqual(medianRun([run(4), run(1), run(3), run(2)]).evalMs, 3);
        assert.throws(() => medianRun([]), /no runs/);
    });

    it("measures with the node flags pulumi up uses (Pulumi.yaml runtime.options.nodeargs)", () => {
        assert.strictEqual(projectNodeArgs(ROOT), "--max-semi-space-size=64 --conditions=agogsaas-source");
    });

    it("refuses a bad --repeat before measuring anything, naming the option", async () => {
        const errors: string[] = [];
        const original = console.error;
        console.error = (message: string) => { errors.push(message); };
        try {
            assert.strictEqual(await benchMain(["--repeat", "0"]), 2);
            assert.strictEqual(await benchMain(["--repeat", "two"]), 2);
        } finally {
            console.error = original;
        }
        assert.match(errors[0], /^error: --repeat: expected a positive integer, got "0"/);
        assert.match(errors[1], /^error: --repeat: expected a positive integer, got "two"/);
    });
});

describe("stack capture setting (sdk-internals/sdk-tuning.ts)", () => {
    const resource = pulumi.Resource as unknown as { callsites: () => { file?: string; line?: number }[] };
    afterEach(() => tuneSdkRegistration("sdk"));

    it("resolves the mode from the argument, then AGOGSAAS_STACK_CAPTURE, then the default (opt-in: the SDK untouched)", () => {
        assert.strictEqual(DEFAULT_STACK_CAPTURE, "sdk");
        assert.strictEqual(resolveStackCapture(undefined, {}), "sdk");
        assert.strictEqual(resolveStackCapture(undefined, { AGOGSAAS_STACK_CAPTURE: "short" }), "short");
        assert.strictEqual(resolveStackCapture(undefined, { AGOGSAAS_STACK_CAPTURE: "off" }), "off");
        assert.strictEqual(resolveStackCapture("sdk", { AGOGSAAS_STACK_CAPTURE: "off" }), "sdk");
        assert.throws(() => resolveStackCapture(undefined, { AGOGSAAS_STACK_CAPTURE: "fast" }), /AGOGSAAS_STACK_CAPTURE: unknown value "fast". Allowed: sdk, short, off/);
    });

    it("applies to the pinned SDK and bounds the resource stack while keeping the caller's position", () => {
        assert.strictEqual(tuneSdkRegistration("short").applied, true);
        const frames = (function callerOfCallsites() { return resource.callsites(); })();
        assert.ok(frames.length <= SHORT_STACK_FRAMES, `${frames.length} frames`);
        // Frame 0 is callsites itself, frame 1 its caller: this test file.
        assert.match(frames[1].file ?? "", /scale\.test\.ts$/);
        tuneSdkRegistration("off");
        assert.deepStrictEqual(resource.callsites(), []);
    });

    it("leaves Error.stackTraceLimit and thrown errors' stacks alone", () => {
        const before = Error.stackTraceLimit;
        tuneSdkRegistration("short");
        resource.callsites();
        assert.strictEqual(Error.stackTraceLimit, before);
        const deep = (n: number): Error => (n === 0 ? new Error("deep") : deep(n - 1));
        const lines = (deep(30).stack ?? "").split("\n").length - 1;
        // test/setup.ts sets 10; the 31 nested calls fill all of them.
        assert.strictEqual(lines, before);
    });

    it("patches nothing when not opted in: 'sdk' before any other mode leaves the SDK as installed", () => {
        const script = [
            "const pulumi = require('@pulumi/pulumi');",
            "const debuggable = require('@pulumi/pulumi/runtime/debuggable');",
            "const before = [debuggable.debuggablePromise, pulumi.Resource.callsites];",
            "const { tuneSdkRegistration } = require('./sdk-internals/sdk-tuning');",
            "const result = tuneSdkRegistration();",
            "const same = debuggable.debuggablePromise === before[0] && pulumi.Resource.callsites === before[1];",
            "console.log(JSON.stringify({ result, same }));",
        ].join("\n");
        const env = { ...process.env };
        delete env.AGOGSAAS_STACK_CAPTURE;
        const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: path.resolve(__dirname, ".."), encoding: "utf8", env });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(JSON.parse(r.stdout.trim().split("\n").pop()!), { result: { mode: "sdk", applied: false }, same: true });
    });

    it("restores the SDK's own behaviour with 'sdk'", () => {
        tuneSdkRegistration("off");
        tuneSdkRegistration("sdk");
        assert.ok(resource.callsites().length > 0);
    });

    it("describes registration responses by URN and id in the SDK's debug log line, and by their whole state again with 'sdk'", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const proto = require("@pulumi/pulumi/proto/resource_pb");
        const response = new proto.RegisterResourceResponse();
        response.setUrn("urn:pulumi:s::p::t::n");
        response.setId("id-1");
        const read = new proto.ReadResourceResponse();
        read.setUrn("urn:pulumi:s::p::pulumi:pulumi:StackReference::r");
        tuneSdkRegistration("short");
        assert.strictEqual(`${response}`, "{ urn: urn:pulumi:s::p::t::n, id: id-1 }");
        assert.strictEqual(`${read}`, "{ urn: urn:pulumi:s::p::pulumi:pulumi:StackReference::r }");
        tuneSdkRegistration("sdk");
        assert.notStrictEqual(`${response}`, "{ urn: urn:pulumi:s::p::t::n, id: id-1 }", "the SDK's own dump of the whole message");
        assert.ok(`${response}`.includes("urn:pulumi:s::p::t::n") && `${response}`.includes("id-1"));
    });
});
