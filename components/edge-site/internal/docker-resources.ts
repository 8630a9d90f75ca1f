/**
 * The Docker resources of an edge site, registered as {@link LeanResource}s: the same type tokens,
 * inputs (type-checked against @pulumi/docker's own Args) and plugin version as the SDK classes,
 * without the SDK classes' unread output properties (docker.Container declares 78). See
 * sdk-internals/lean-resource.ts for why; the engine and the policy pack see the same resources.
 * The provider likewise: docker.Provider JSON-encodes three inputs through an Output each
 * (`pulumi.output(x).apply(JSON.stringify)`, six Outputs per facility, undefined ones included);
 * {@link provider} encodes them directly.
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LeanResource } from "../../../sdk-internals/lean-resource";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const DOCKER_PLUGIN_VERSION = (require("@pulumi/docker/package.json") as { version: string }).version;

/** Type tokens of @pulumi/docker 5.x (the SDK classes' `__pulumiType`). */
export const DOCKER_TYPES = {
    container: "docker:index/container:Container",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    volume: "docker:index/volume:Volume",
    network: "docker:index/network:Network",
} as const;

/** The Docker provider for one host: what `new docker.Provider(name, args, opts)` registers. */
export function provider(name: string, args: docker.ProviderArgs, opts: pulumi.CustomResourceOptions): pulumi.ProviderResource {
    const json = (value: unknown) => (pulumi.Output.isInstance(value) ? value.apply((v) => JSON.stringify(v)) : JSON.stringify(value));
    return new LeanProvider(name, {
        caMaterial: args.caMaterial,
        certMaterial: args.certMaterial,
        certPath: args.certPath,
        context: args.context,
        disableDockerDaemonCheck: json(args.disableDockerDaemonCheck),
        host: args.host ?? (process.env.DOCKER_HOST || undefined),
        keyMaterial: args.keyMaterial,
        registryAuth: json(args.registryAuth),
        sshOpts: json(args.sshOpts),
    }, { version: DOCKER_PLUGIN_VERSION, ...opts });
}

class LeanProvider extends pulumi.ProviderResource {
    constructor(name: string, inputs: pulumi.Inputs, opts: pulumi.ResourceOptions) {
        super("docker", name, inputs, opts);
    }
}

export function container(name: string, args: docker.ContainerArgs, opts: pulumi.CustomResourceOptions): LeanResource {
    return new LeanResource(DOCKER_TYPES.container, name, args, [], DOCKER_PLUGIN_VERSION, opts);
}

/** A pulled image; its `imageId` output is what a container runs. */
export function remoteImage(name: string, args: docker.RemoteImageArgs, opts: pulumi.CustomResourceOptions): LeanResource {
    return new LeanResource(DOCKER_TYPES.remoteImage, name, args, ["imageId"], DOCKER_PLUGIN_VERSION, opts);
}

export function volume(name: string, args: docker.VolumeArgs, opts: pulumi.CustomResourceOptions): LeanResource {
    return new LeanResource(DOCKER_TYPES.volume, name, args, [], DOCKER_PLUGIN_VERSION, opts);
}

export function network(name: string, args: docker.NetworkArgs, opts: pulumi.CustomResourceOptions): LeanResource {
    return new LeanResource(DOCKER_TYPES.network, name, args, [], DOCKER_PLUGIN_VERSION, opts);
}
