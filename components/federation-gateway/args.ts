/**
 * FederationGateway's arguments, its defaults and their validation (pure: no resources).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Zone } from "../shared/sovereignty";

export const FEDERATION_GATEWAY_TYPE = "agogsaas:federation:FederationGateway";

/** Hive Gateway image (MIT), pinned. */
export const DEFAULT_GATEWAY_IMAGE = "ghcr.io/graphql-hive/gateway:2.1.19";
export const DEFAULT_REDIS_IMAGE = "redis:7.4.2-alpine";
/** The gateway image runs as the `node` user; the redis image as `redis`. */
export const GATEWAY_UID = 1000;
export const REDIS_UID = 999;
export const REDIS_PORT = 6379;
export const REDIS_URL_ENV = "REDIS_URL";

/** One subgraph the gateway federates. */
export interface FederationSubgraphArgs {
    /** Subgraph name, usually the region's stack name (`eu-central`). Required. */
    name: string;
    /** Sovereignty zone of the subgraph's data. Required. */
    zone: Zone;
    /** Subgraph endpoint (a stack reference Output or config string). Required. */
    url: pulumi.Input<string>;
    /** The subgraph's SDL (e.g. `regionalSubgraphSdl(region, audience)`); must be known at program time. Required. */
    sdl: string;
}

export interface FederationGatewayArgs {
    /** Zone the gateway runs in: subgraphs of other zones may only contribute aggregate types. Required. */
    zone: Zone;
    /** The subgraphs: this region's (audience `regional`) and the peers' (audience `aggregate`). Required, at least one. */
    subgraphs: FederationSubgraphArgs[];
    /** Public host name of the gateway's Ingress (e.g. `graphql.us-east.agogsaas.example.com`). Required. */
    hostname: string;
    /** Kubernetes provider of the cluster to deploy into. Default: the ambient provider. */
    provider?: k8s.Provider;
    /** Namespace, created by the component. Default `federation`. */
    namespace?: string;
    /** Hive Gateway image, pinned by tag. Default `ghcr.io/graphql-hive/gateway:2.1.19`. */
    image?: string;
    /** Redis image for the response cache, pinned by tag. Default `redis:7.4.2-alpine`. */
    redisImage?: string;
    /** Production stack: the image tag `latest` is refused. Default false. */
    production?: boolean;
    /** Replica bounds of the gateway's HPA. Default `{ min: 2, max: 6 }`. */
    replicas?: { min?: number; max?: number };
    /** Response cache TTL in seconds. Default 30. */
    cacheTtlSeconds?: number;
    /** Ingress class. Default `nginx`. */
    ingressClassName?: string;
    /** TLS Secret for the Ingress host (e.g. from cert-manager). Default none (TLS terminated elsewhere). */
    tlsSecretName?: string;
    /** Namespace of the ingress controller: the only way in to the gateway. Default `ingress-nginx`. */
    ingressControllerNamespace?: string;
    /** Namespaces of the subgraphs served in this cluster (the gateway may open connections to their pods; other subgraphs are reached on 443). Default none. */
    inClusterSubgraphNamespaces?: string[];
}

/** `app.kubernetes.io/name` of the gateway's pods. */
export const GATEWAY_APP_NAME = "hive-gateway";
export const DEFAULT_GATEWAY_NAMESPACE = "federation";
