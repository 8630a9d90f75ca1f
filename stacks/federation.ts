/**
 * The region's FederationGateway: its own backend's `regional` subgraph (personal types allowed,
 * same zone, reached inside the cluster) plus each peer's `aggregate` subgraph (zone from config).
 */
import * as pulumi from "@pulumi/pulumi";
import { FederationGatewayArgs, FederationSubgraphArgs, composeSupergraph, regionalSubgraphSdl } from "@agogsaas/pulumi";
import { StackConfig, configKey } from "./config";
import { regionalHosts } from "./endpoints";
import { withConfigKeys } from "./rekey";

/** Component name (Kubernetes objects `federation-gateway`, `federation-redis`). */
export const GATEWAY_NAME = "federation";
/** TLS certificate Secret of the gateway host (cert-manager or imported, like the apps'). */
export const GATEWAY_TLS_SECRET = "graphql-tls";

export function gatewayArgs(config: StackConfig, urls: { own: pulumi.Input<string>; peers: pulumi.Input<string>[] }): FederationGatewayArgs {
    const subgraphs: FederationSubgraphArgs[] = [
        { name: config.stack, zone: config.zone, url: urls.own, sdl: regionalSubgraphSdl(config.stack, "regional") },
        ...config.peers.map((peer, i) => ({ name: peer.stack, zone: peer.zone, url: urls.peers[i], sdl: regionalSubgraphSdl(peer.stack, "aggregate") })),
    ];
    return {
        zone: config.zone,
        subgraphs,
        hostname: regionalHosts(config.publicHostname).graphql,
        production: config.environment === "production",
        tlsSecretName: GATEWAY_TLS_SECRET,
    };
}

/** Composes once with placeholder URLs so a bad subgraph fails before anything is registered. */
export function validateGateway(config: StackConfig): void {
    const args = gatewayArgs(config, { own: "", peers: config.peers.map(() => "") });
    const fields: Record<string, string> = { zone: configKey("zone") };
    config.peers.forEach((_, i) => { fields[`subgraphs[${i + 1}]`] = `${configKey("peers")}[${i}]`; });
    withConfigKeys(fields, "FederationGateway ", () => composeSupergraph({
        gatewayZone: args.zone,
        subgraphs: args.subgraphs.map((s) => ({ name: s.name, zone: s.zone, sdl: s.sdl, url: `https://${s.name}.subgraph.invalid/graphql` })),
    }));
}
