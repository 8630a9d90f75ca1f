/**
 * The Docker resources of an edge site, registered as {@link LeanResource}s: the same type tokens,
 * inputs (type-checked against @pulumi/docker's own Args) and plugin version as the SDK classes,
 * without the SDK classes' unread output properties (docker.Container declares 78). See
 * components/lean-resource.ts for why; the engine and the policy pack see the same resources.
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LeanResource } from "../lean-resource";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const DOCKER_PLUGIN_VERSION = (require("@pulumi/docker/package.json") as { version: string }).version;

/** Type tokens of @pulumi/docker 5.x (the SDK classes' `__pulumiType`). */
export const DOCKER_TYPES = {
    container: "docker:index/container:Container",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    volume: "docker:index/volume:Volume",
    network: "docker:index/network:Network",
} as const;

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
