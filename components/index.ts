/**
 * The library's front door: what a user of the package may import. Everything else under
 * components/ is internal (folders `internal/` and `providers/` especially) and may change in any
 * release. Nothing here has a side effect on import. docs/architecture.md shows where each part lives.
 */

// Edge tier: one factory's edge computer.
export { EdgeSite, EDGE_SITE_TYPE } from "./edge-site/edge-site";
export type { Credentials, DatabaseEndpoint } from "./edge-site/edge-site";
export { DEFAULT_EDGE_IMAGES, DEFAULT_EDGE_PORTS, EDGE_IMAGE_NAMES, FACILITY_ID_PATTERN, validateEdgeSiteArgs } from "./edge-site/args";
export type { EdgeImageName, EdgeImages, EdgePorts, EdgeSiteArgs } from "./edge-site/args";
export type { EdgeBackupArgs } from "./edge-site/internal/backup";
export { EDGE_SIZE_TIERS } from "./edge-site/sizes";
export type { EdgeSizeTier } from "./edge-site/sizes";
export { VPN_TYPES, validateSiteDetails } from "./edge-site/site";
export type { EdgeSiteDetails } from "./edge-site/site";

// Regional tier: managed Kubernetes + PostgreSQL on AWS or Azure, and the apps on it.
export { RegionalCluster, resolveRegionalClusterArgs } from "./regional-cluster/regional-cluster";
export { CLOUDS } from "./regional-cluster/args";
export type {
    Cloud, CreateDatabaseOptions, DatabaseConnection, DatabaseSizing, NodePoolSizing, RegionalAddons, RegionalClusterArgs, RegionalDatabase,
    RegionalStandby, ResolvedRegionalArgs,
} from "./regional-cluster/args";
export { BlueGreenPair } from "./blue-green-pair/blue-green-pair";
export type { ColorResources } from "./blue-green-pair/blue-green-pair";
export { COLORS, otherColor, resolveBlueGreenArgs } from "./blue-green-pair/args";
export type { AutoscalingSpec, BlueGreenPairArgs, Color, ColorSpec, ContainerResources, IngressSpec, ResolvedBlueGreenArgs } from "./blue-green-pair/args";

// Global tier: the read-only GraphQL federation gateway.
export { FederationGateway, composeSupergraph, gatewayPeer } from "./federation-gateway/federation-gateway";
export { FEDERATION_GATEWAY_TYPE } from "./federation-gateway/args";
export type { FederationGatewayArgs, FederationSubgraphArgs } from "./federation-gateway/args";
// The platform backend's regional subgraph: its SDL and endpoint per audience (FederationSubgraphArgs.sdl/url).
export { regionalSubgraphSdl, subgraphUrl } from "./federation-gateway/internal/regional-subgraph";
export type { SubgraphAudience } from "./federation-gateway/internal/regional-subgraph";

// Between tiers: PostgreSQL logical replication.
export { ReplicationMesh } from "./replication/replication-mesh";
export type { OfferedPublication, ReplicationMeshArgs } from "./replication/replication-mesh";
export type { FlowOptions, MeshFlow, MeshNode, MeshPublication, MeshTopology, NodeRole, PublishAction } from "./replication/args";
export type { RowFilter } from "./replication/row-filter";
export type { PgConnectionInput } from "./postgres/connection";
export type { EdgeReplicationTopology, RegionalReplicationTopology, ReplicationCapacity } from "./replication/capacity";
export { MeshMonitoring } from "./replication/monitoring";
export type { MeshMonitoringArgs, MonitoredCluster } from "./replication/monitoring";
export type { MeshAlertThresholds } from "./replication/alerts";

// Kubernetes namespace fences, used by the regional components and open to a user's own apps.
export { TenantIsolation, podSecurityLabels, quotaFor } from "./k8s/isolation";
export type { NetworkAllow, NetworkPeer, TenantIsolationArgs } from "./k8s/isolation";

// The rules every tier obeys, and the errors they raise.
export * as sovereignty from "./shared/sovereignty";
export type { Zone, TableClass, DataClassification } from "./shared/sovereignty";
export { ZONES, TABLE_CATALOG } from "./shared/sovereignty";
export { SovereigntyError, ValidationError } from "./shared/errors";
