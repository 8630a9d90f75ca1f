import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { EdgeSite, EdgeSiteArgs, EDGE_SIZES, EDGE_SIZE_TIERS } from "../components/edge-site/edge-site";
import { ValidationError } from "../components/shared/errors";
import { capacityParameters, edgeReplicationCapacity } from "../components/replication/capacity";
import { TAG_CLASSIFICATION, TAG_RESIDENCY } from "../components/shared/sovereignty";
import { EDGE_CONTAINERS, totalMemoryMb } from "../components/edge-site/sizes";
import { REDACTED, SynthError, SynthResource, SynthResult, synthesize } from "../tools/synth/mock-runtime";
import { labelsOf, named } from "./support/synth-graph";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const NETWORK = "docker:index/network:Network";
const PROVIDER = "pulumi:providers:docker";

function edgeArgs(overrides: Partial<EdgeSiteArgs> = {}): EdgeSiteArgs {
    return {
        facilityId: "facility-la-001",
        tenantId: "tenant-foo-inc",
        zone: "us",
        dockerHost: "ssh://agog@edge-la-001.vpn.agogsaas.example.com",
        size: "medium",
        production: true,
        images: {
            postgres: "postgres:16.6-alpine",
            backend: "ghcr.io/agogsaas/backend:1.4.2",
            nats: "nats:2.10.24-alpine",
            healthMonitor: "ghcr.io/agogsaas/health-monitor:1.4.2",
        },
        regionalApiUrl: "https://us-east.agogsaas.example.com",
        regionalHealthUrl: "https://us-east.agogsaas.example.com/edge/health",
        ...overrides,
    };
}

async function synth(stack: string, sites: Record<string, EdgeSiteArgs>): Promise<SynthResult> {
    return synthesize({
        project: "agogsaas", stack,
        program: () => {
            const out: Record<string, unknown> = {};
            for (const [name, args] of Object.entries(sites)) {
                const site = new EdgeSite(name, args);
                out[name] = {
                    facilityId: site.facilityId,
                    databaseEndpoint: site.databaseEndpoint,
                    replicationCredentials: site.replicationCredentials,
                    healthUrl: site.healthUrl,
                };
            }
            return out;
        },
    });
}

const ofSite = (result: SynthResult, site: string, type?: string): SynthResource[] =>
    result.resources.filter((r) => r.name.startsWith(`${site}-`) && (type === undefined || r.type === type));

describe("EdgeSite", () => {
    let result: SynthResult;
    before(async () => {
        result = await synth("edge-two-sites", {
            "edge-la": edgeArgs(),
            "edge-dal": edgeArgs({ facilityId: "facility-dal-001", size: "small", dockerHost: "tcp://edge-dal-001.vpn.example.com:2376" }),
        });
    });

    it("registers the four containers and the backup container per facility, under the component, on the facility's own Docker provider", () => {
        for (const [site, facility, host] of [
            ["edge-la", "facility-la-001", "ssh://agog@edge-la-001.vpn.agogsaas.example.com"],
            ["edge-dal", "facility-dal-001", "tcp://edge-dal-001.vpn.example.com:2376"],
        ]) {
            const component = named(result, site);
            assert.strictEqual(component.type, "agogsaas:edge:EdgeSite");
            const provider = named(result, `${site}-docker`);
            assert.strictEqual(provider.type, PROVIDER);
            assert.strictEqual(provider.inputs.host, host);
            const containers = ofSite(result, site, CONTAINER);
            assert.deepStrictEqual(
                containers.map((c) => c.inputs.name).sort(),
                ["backend", "backup", "health-monitor", "nats", "postgres"].map((a) => `agogsaas-${facility}-${a}`),
            );
            for (const r of [...containers, ...ofSite(result, site, VOLUME), ...ofSite(result, site, IMAGE), ...ofSite(result, site, NETWORK)]) {
                assert.strictEqual(r.parent, component.urn, `${r.name} is a child of the component`);
                assert.strictEqual(r.provider, provider.urn, `${r.name} uses the facility's provider`);
            }
        }
    });

    it("gives every container a healthcheck, restart unless-stopped, the tier's limits and the site network", () => {
        for (const [site, tier] of [["edge-la", "medium"], ["edge-dal", "small"]] as const) {
            const network = named(result, `${site}-network`);
            for (const container of ofSite(result, site, CONTAINER)) {
                const key = container.name.slice(site.length + 1).replace("health-monitor", "healthMonitor") as keyof typeof EDGE_SIZES.small.limits;
                const limits = EDGE_SIZES[tier].limits[key];
                assert.ok(limits, `limits for ${key}`);
                assert.strictEqual(container.inputs.restart, "unless-stopped", container.name);
                assert.strictEqual(container.inputs.memory, limits.memoryMb, container.name);
                assert.strictEqual(container.inputs.cpus, limits.cpus, container.name);
                const healthcheck = container.inputs.healthcheck as { tests: string[]; interval: string };
                assert.ok(healthcheck.tests.length >= 2 && healthcheck.tests[0] === "CMD", `${container.name} has a healthcheck`);
                const networks = container.inputs.networksAdvanced as { name: string }[];
                assert.strictEqual(networks[0].name, network.inputs.name);
            }
        }
        const pg = named(result, "edge-la-postgres");
        assert.deepStrictEqual((pg.inputs.healthcheck as { tests: string[] }).tests.slice(0, 2), ["CMD", "pg_isready"]);
        assert.match((named(result, "edge-la-backend").inputs.healthcheck as { tests: string[] }).tests.join(" "), /http:\/\/127\.0\.0\.1:4001\/health$/);
        assert.deepStrictEqual(named(result, "edge-la-nats").inputs.command, ["-js", "-sd", "/data", "-m", "8222"]);
        assert.ok((named(result, "edge-la-health-monitor").inputs.envs as string[]).includes("CHECK_INTERVAL_SECONDS=30"));
    });

    it("starts PostgreSQL with logical WAL, a bounded slot WAL size and the computed edge capacity", () => {
        const command = named(result, "edge-la-postgres").inputs.command as string[];
        const flags = Object.fromEntries(command.filter((_, i) => command[i - 1] === "-c").map((f) => f.split("=")));
        assert.strictEqual(flags.wal_level, "logical");
        assert.strictEqual(flags.max_slot_wal_keep_size, `${EDGE_SIZES.medium.maxSlotWalKeepSizeGb}GB`);
        for (const [key, value] of Object.entries(capacityParameters(edgeReplicationCapacity()))) {
            assert.strictEqual(flags[key], value, key);
        }
        assert.strictEqual(flags.shared_buffers, `${EDGE_SIZES.medium.limits.postgres.memoryMb / 4}MB`);
        const small = named(result, "edge-dal-postgres").inputs.command as string[];
        assert.ok(small.includes(`max_slot_wal_keep_size=${EDGE_SIZES.small.maxSlotWalKeepSizeGb}GB`));
    });

    it("pins every image by the given tag and mounts the data on named volumes", () => {
        assert.deepStrictEqual(ofSite(result, "edge-la", IMAGE).map((i) => i.inputs.name).sort(), [
            "ghcr.io/agogsaas/backend:1.4.2", "ghcr.io/agogsaas/health-monitor:1.4.2", "nats:2.10.24-alpine", "postgres:16.6-alpine",
        ]);
        const pgVolume = named(result, "edge-la-pgdata");
        // Backups are on by default: the server archives its WAL into the archive volume.
        assert.deepStrictEqual(named(result, "edge-la-postgres").inputs.volumes, [
            { volumeName: pgVolume.inputs.name, containerPath: "/var/lib/postgresql/data" },
            { volumeName: "agogsaas-facility-la-001-archive", containerPath: "/archive" },
        ]);
        assert.deepStrictEqual(named(result, "edge-la-nats").inputs.volumes, [{ volumeName: "agogsaas-facility-la-001-natsdata", containerPath: "/data" }]);
    });

    it("labels data-bearing containers and volumes with residency and classification, and only those", () => {
        for (const name of ["edge-la-postgres", "edge-la-nats", "edge-la-backup", "edge-la-pgdata", "edge-la-natsdata", "edge-la-backups", "edge-la-archive"]) {
            const labels = labelsOf(named(result, name));
            assert.strictEqual(labels[TAG_RESIDENCY], "us", name);
            assert.strictEqual(labels[TAG_CLASSIFICATION], "personal", name);
            assert.strictEqual(labels["agogsaas.facility-id"], "facility-la-001", name);
        }
        assert.strictEqual(labelsOf(named(result, "edge-la-backend"))[TAG_RESIDENCY], undefined);
    });

    it("keeps both passwords secret: uploaded as files, never in env vars, redacted everywhere", () => {
        for (const name of ["edge-la-postgres", "edge-la-backend"]) {
            const container = named(result, name);
            assert.deepStrictEqual(container.secretPaths, ["uploads[0].content"], name);
            assert.strictEqual((container.inputs.uploads as { content: string }[])[0].content, REDACTED);
            const envs = container.inputs.envs as string[];
            assert.ok(!envs.some((e) => /PASSWORD=/.test(e)), `${name} has no password env var`);
            assert.ok(envs.some((e) => /PASSWORD_FILE=\/run\/secrets\/db-password$/.test(e)));
        }
        assert.deepStrictEqual(named(result, "edge-la-nats").secretPaths, []);
        // The backup container's login: a libpq password file, the same secret upload.
        assert.deepStrictEqual(named(result, "edge-la-backup").secretPaths, ["uploads[0].content"]);
        assert.deepStrictEqual(named(result, "edge-la-backup").inputs.envs, []);
        assert.ok(result.secretOutputs.includes("edge-la.replicationCredentials.password"), result.secretOutputs.join(","));
        const out = result.outputs["edge-la"] as Record<string, any>;
        assert.deepStrictEqual(out.databaseEndpoint, { host: "edge-la-001.vpn.agogsaas.example.com", port: 5436, database: "agogsaas_edge" });
        assert.strictEqual(out.replicationCredentials.user, "replicator");
        assert.strictEqual(out.healthUrl, "http://edge-la-001.vpn.agogsaas.example.com:4010/health");
        assert.ok(!JSON.stringify(result).includes("mock-password"), "no generated password in the serialised synth result");
    });

    it("sizes tiers within their machines, growing with the tier", () => {
        let previous = 0;
        for (const tier of EDGE_SIZE_TIERS) {
            const spec = EDGE_SIZES[tier];
            const total = totalMemoryMb(spec);
            assert.ok(total <= spec.hostMemoryGb * 1024 * 0.75, `${tier}: ${total} MiB leaves a quarter of ${spec.hostMemoryGb} GB`);
            const cpus = EDGE_CONTAINERS.reduce((s, c) => s + Number(spec.limits[c].cpus), 0);
            assert.ok(cpus <= spec.hostCpus, `${tier}: ${cpus} CPUs fit ${spec.hostCpus}`);
            assert.ok(total > previous, `${tier} is larger than the tier below`);
            previous = total;
        }
    });

    it("docs/edge.md's size tier table states the numbers the component uses", () => {
        const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "edge.md"), "utf8");
        for (const tier of EDGE_SIZE_TIERS) {
            const spec = EDGE_SIZES[tier];
            const cells = EDGE_CONTAINERS.map((c) => `${spec.limits[c].memoryMb} MB, ${spec.limits[c].cpus} CPU`);
            const row = `| \`${tier}\` | ${spec.hardware} | ${cells.join(" | ")} | ${spec.maxSlotWalKeepSizeGb} GB |`;
            assert.ok(doc.includes(row), `docs/edge.md has the row ${row}`);
        }
    });

    describe("offline facility", () => {
        let online: SynthResult;
        let offline: SynthResult;
        before(async () => {
            online = await synth("edge-online", { "edge-la": edgeArgs() });
            offline = await synth("edge-offline", { "edge-la": edgeArgs({ offline: true }) });
        });

        it("declares exactly the same resources with the same inputs, so nothing would be created, replaced or deleted", () => {
            const shape = (r: SynthResult) => r.resources.map((x) => ({ type: x.type, name: x.name, inputs: x.inputs, provider: x.provider?.replace(/::edge-o\w+::/, "") }));
            assert.deepStrictEqual(shape(offline).map((x) => x.name), shape(online).map((x) => x.name));
            assert.deepStrictEqual(shape(offline).map((x) => x.inputs), shape(online).map((x) => x.inputs));
        });

        it("freezes every custom resource: ignoreChanges * and retainOnDelete", () => {
            const custom = offline.resources.filter((r) => r.custom);
            assert.strictEqual(custom.length, online.resources.filter((r) => r.custom).length);
            for (const r of custom) {
                assert.deepStrictEqual(r.ignoreChanges, ["*"], r.name);
                assert.strictEqual(r.retainOnDelete, true, r.name);
            }
            // Provider config travels as strings.
            assert.strictEqual(String(named(offline, "edge-la-docker").inputs.disableDockerDaemonCheck), "true");
        });

        it("online, only the data volumes are retained on delete and nothing ignores changes", () => {
            for (const r of online.resources.filter((x) => x.custom)) {
                assert.deepStrictEqual(r.ignoreChanges, [], r.name);
                assert.strictEqual(r.retainOnDelete, r.type === VOLUME, r.name);
            }
        });
    });

    describe("rejects bad input before registering anything", () => {
        const cases: [string, Partial<EdgeSiteArgs> | ((a: EdgeSiteArgs) => EdgeSiteArgs), RegExp][] = [
            ["facility id", { facilityId: "LA" }, /^edge-bad\.facilityId: invalid value "LA"\. Allowed: facility-<site>-<nnn>/],
            ["tenant id", { tenantId: "foo" }, /^edge-bad\.tenantId: invalid value "foo"/],
            ["zone", { zone: "mars" as never }, /^edge-bad\.zone: unknown sovereignty zone "mars"\. Allowed: "us", "eu" or "apac"/],
            ["docker host scheme", { dockerHost: "http://edge" }, /^edge-bad\.dockerHost: "http:\/\/edge" is not a Docker host URL\. Allowed: "ssh:\/\/user@host\[:port\]" or "tcp:\/\/host:port"/],
            ["ssh without user", { dockerHost: "ssh://edge-la-001" }, /^edge-bad\.dockerHost: .* is not a Docker host URL/],
            ["tcp without port", { dockerHost: "tcp://edge-la-001" }, /^edge-bad\.dockerHost: .* is not a Docker host URL/],
            ["size tier", { size: "huge" as never }, /^edge-bad\.size: unknown size tier "huge"\. Allowed: "small", "medium" or "large"/],
            ["untagged image", (a) => ({ ...a, images: { ...a.images, backend: "ghcr.io/agogsaas/backend" } }), /^edge-bad\.images\.backend: "ghcr\.io\/agogsaas\/backend" has no tag/],
            ["registry port is not a tag", (a) => ({ ...a, images: { ...a.images, backend: "registry.local:5000/agogsaas/backend" } }), /^edge-bad\.images\.backend: "registry\.local:5000\/agogsaas\/backend" has no tag/],
            ["latest in production", (a) => ({ ...a, images: { ...a.images, nats: "nats:latest" } }), /^edge-bad\.images\.nats: "nats:latest" uses the tag "latest", which a production stack refuses/],
            ["postgres not 16", (a) => ({ ...a, images: { ...a.images, postgres: "postgres:15.8" } }), /^edge-bad\.images\.postgres: "postgres:15\.8" is not PostgreSQL 16/],
            ["missing monitor image", (a) => ({ ...a, images: { ...a.images, healthMonitor: undefined as never } }), /^edge-bad\.images\.healthMonitor: must be a container image reference/],
            ["http URL in production", { regionalHealthUrl: "http://us-east/health" }, /^edge-bad\.regionalHealthUrl: "http:\/\/us-east\/health" is not an https URL/],
            ["offline not boolean", { offline: "yes" as never }, /^edge-bad\.offline: must be true or false/],
            ["clashing ports", { ports: { postgres: 4010 } }, /^edge-bad\.ports: host ports must differ/],
            ["replication count", { replication: { regionalSubscribers: -1 } }, /^edge-bad\.replication\.regionalSubscribers: must be an integer >= 0/],
            ["config path in messages", { configPath: "agogsaas:facilities[1]", size: "xl" as never }, /^agogsaas:facilities\[1\]\.size: unknown size tier "xl"/],
        ];
        for (const [label, change, message] of cases) {
            it(label, async () => {
                const args = typeof change === "function" ? change(edgeArgs()) : edgeArgs(change);
                await assert.rejects(synth(`edge-bad-${label.replace(/\W+/g, "-")}`, { "edge-bad": args }), (err: unknown) => {
                    assert.ok(err instanceof SynthError, String(err));
                    assert.ok(err.cause instanceof ValidationError, String(err.cause));
                    assert.match(err.message, message);
                    assert.deepStrictEqual(err.partial.resources, [], "nothing registered");
                    return true;
                });
            });
        }

        it("accepts latest outside production, and a digest instead of a tag", async () => {
            const ok = await synth("edge-dev", {
                "edge-dev": edgeArgs({
                    production: false,
                    regionalHealthUrl: "http://localhost:8080/health",
                    images: { backend: "agogsaas/backend:latest", healthMonitor: `agogsaas/health-monitor@sha256:${"a".repeat(64)}` },
                }),
            });
            assert.ok(ofSite(ok, "edge-dev", IMAGE).some((i) => i.inputs.name === "agogsaas/backend:latest"));
            assert.ok(ofSite(ok, "edge-dev", IMAGE).some((i) => i.inputs.name === "postgres:16.6-alpine"), "default postgres image");
        });
    });
});
