/**
 * LeanResource registers what the provider SDK class registers (type, name, inputs, secrets,
 * provider, dependencies, plugin version) while declaring only the inputs and the outputs asked for.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { LeanResource } from "../sdk-internals/lean-resource";
import * as dockerResources from "../components/edge-site/internal/docker-resources";
import { SynthResource, synthesize } from "../tools/synth/mock-runtime";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const DOCKER_VERSION = (require("@pulumi/docker/package.json") as { version: string }).version;

/** Everything about a registration except its URN-independent identity, for comparing two programs. */
function registration(r: SynthResource) {
    return { type: r.type, name: r.name, custom: r.custom, inputs: r.inputs, secretPaths: r.secretPaths, dependencies: r.dependencies.map((d) => d.split("::").pop()), provider: r.provider?.split("::").pop() };
}

describe("LeanResource", () => {
    const containerArgs = (image: pulumi.Input<string>, network: pulumi.Input<string>): docker.ContainerArgs => ({
        name: "agogsaas-facility-la-001-postgres",
        image,
        envs: ["POSTGRES_DB=agogsaas_edge"],
        uploads: [{ file: "/run/secrets/db-password", content: pulumi.secret("s3cret-PLAIN"), permissions: "0400" }],
        networksAdvanced: [{ name: network, aliases: ["postgres"] }],
        memory: 512,
        restart: "unless-stopped",
    });

    const providerArgs: docker.ProviderArgs = { host: "ssh://edge", sshOpts: ["-o", "ServerAliveInterval=10"], disableDockerDaemonCheck: pulumi.output(true) };

    it("registers the same type, inputs, secrets, provider and dependencies as the docker SDK classes (the provider too)", async () => {
        const sdk = await synthesize({
            project: "p", stack: "sdk", program: () => {
                const provider = new docker.Provider("host", providerArgs);
                const image = new docker.RemoteImage("img", { name: "postgres:16.6-alpine", keepLocally: true }, { provider });
                const network = new docker.Network("net", { name: "agogsaas-la", driver: "bridge" }, { provider });
                new docker.Volume("vol", { name: "agogsaas-la-pgdata" }, { provider, retainOnDelete: true });
                new docker.Container("pg", containerArgs(image.imageId, network.name), { provider });
            },
        });
        const lean = await synthesize({
            project: "p", stack: "sdk", program: () => {
                const provider = dockerResources.provider("host", providerArgs, {});
                assert.strictEqual((provider as unknown as { __version?: string }).__version, DOCKER_VERSION, "the provider plugin version the SDK class sends");
                const image = dockerResources.remoteImage("img", { name: "postgres:16.6-alpine", keepLocally: true }, { provider });
                const network = dockerResources.network("net", { name: "agogsaas-la", driver: "bridge" }, { provider });
                dockerResources.volume("vol", { name: "agogsaas-la-pgdata" }, { provider, retainOnDelete: true });
                dockerResources.container("pg", containerArgs(image.output<string>("imageId"), network.output<string>("name")), { provider });
            },
        });
        const sorted = (rs: SynthResource[]) => rs.map(registration).sort((a, b) => a.name.localeCompare(b.name)).map((r) => ({ ...r, dependencies: [...r.dependencies].sort() }));
        assert.deepStrictEqual(sorted(lean.resources), sorted(sdk.resources));
        assert.deepStrictEqual(lean.resources.find((r) => r.name === "host")!.inputs, { host: "ssh://edge", sshOpts: '["-o","ServerAliveInterval=10"]', disableDockerDaemonCheck: "true" });
        const container = lean.resources.find((r) => r.name === "pg")!;
        assert.deepStrictEqual(container.secretPaths, ["uploads[0].content"]);
        assert.strictEqual(container.inputs.image, sdk.resources.find((r) => r.name === "pg")!.inputs.image, "the image id output of the lean RemoteImage resolves like the SDK's");
        assert.match(String(container.inputs.image), /^sha256:/);
        assert.ok(!JSON.stringify(lean).includes("s3cret-PLAIN"));
        assert.ok(lean.resources.find((r) => r.name === "vol")!.retainOnDelete);
    });

    it("declares only its inputs and the outputs asked for, sends the plugin version, and names what it declares when asked for another", async () => {
        let versions: string[] = [];
        await synthesize({
            project: "p", stack: "lean", program: () => {
                const image = dockerResources.remoteImage("img", { name: "nats:2.10.24-alpine" }, {});
                assert.ok(image instanceof LeanResource && image instanceof pulumi.CustomResource);
                versions = [(image as unknown as { __version?: string }).__version ?? ""];
                assert.ok(pulumi.Output.isInstance(image.output("imageId")));
                assert.ok(pulumi.Output.isInstance(image.output("name")), "an input is declared too");
                assert.throws(() => image.output("repoDigest"), /^Error: repoDigest: not a declared property of this resource \(declared: imageId, name\)$/);
                assert.strictEqual((image as unknown as Record<string, unknown>).repoDigest, undefined, "no Output for an output nobody reads");
                const sdkImage = new docker.RemoteImage("sdk-img", { name: "nats:2.10.24-alpine" });
                assert.ok(pulumi.Output.isInstance(sdkImage.repoDigest), "the SDK class declares it");
                versions.push((sdkImage as unknown as { __version?: string }).__version ?? "");
            },
        });
        assert.deepStrictEqual(versions, [DOCKER_VERSION, DOCKER_VERSION]);
    });
});
