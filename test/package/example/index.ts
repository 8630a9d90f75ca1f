// A Pulumi program using each of the library's five components, as a user writes it after
// `npm install @agogsaas/pulumi`. README "Install and use" shows this file; test/package/pack.test.ts
// installs the packed tarball into a fresh project outside the repository, type-checks this file
// with `tsc --strict` and previews it on the real engine.
import * as pulumi from "@pulumi/pulumi";
import {
    BlueGreenPair, EdgeSite, FederationGateway, RegionalCluster, ReplicationMesh, regionalSubgraphSdl, subgraphUrl,
} from "@agogsaas/pulumi";

// Regional tier of zone "us": EKS + RDS PostgreSQL 16 in us-east-1, replication capacity for
// one edge and one peer region.
const region = new RegionalCluster("us-east", {
    cloud: "aws",
    zone: "us",
    region: "us-east-1",
    replication: { edges: 1, peerRegions: 1 },
});

// The backend on the cluster: blue serves, green is the preview; each colour gets its own
// database on the region's server.
const backend = new BlueGreenPair("backend", {
    zone: "us",
    image: "ghcr.io/agogsaas/backend",
    colors: { blue: { version: "1.4.2" }, green: { version: "1.5.0" } },
    activeColor: "blue",
    database: region,
}, { providers: [region.k8sProvider] });

// One factory's edge computer (PostgreSQL, backend, NATS, health monitor), over SSH.
const la = new EdgeSite("edge-la", {
    facilityId: "facility-la-001",
    tenantId: "tenant-foo-inc",
    zone: "us",
    dockerHost: "ssh://agog@edge-la-001.vpn.example.com",
    size: "medium",
    images: {
        backend: "ghcr.io/agogsaas/backend:1.4.2",
        healthMonitor: "ghcr.io/agogsaas/health-monitor:1.4.2",
    },
    regionalApiUrl: "https://api.us-east.example.com",
    regionalHealthUrl: "https://api.us-east.example.com/edge/health",
});

// Logical replication: the factory's operational rows up to the region, master data down.
const regionalDb = region.createDatabase("mesh-db", { databaseName: "app" });
const mesh = new ReplicationMesh("mesh", {
    nodes: [
        {
            name: "edge_la", zone: "us", role: "edge",
            connection: { ...la.databaseEndpoint, user: la.adminCredentials.user, password: la.adminCredentials.password },
        },
        { name: "us_east", zone: "us", role: "regional", connection: { ...regionalDb, ssl: "require" } },
    ],
    flows: [
        { from: "edge_la", to: "us_east", tables: ["orders", "inventory_transactions"], rowFilter: { column: "facility_id", equals: "facility-la-001" } },
        { from: "us_east", to: "edge_la", tables: ["customers", "products"], rowFilter: { column: "tenant_id", in: ["tenant-foo-inc"] } },
    ],
});

// The read-only GraphQL federation gateway: this region in full, a peer region's aggregates only.
const gateway = new FederationGateway("federation", {
    zone: "us",
    hostname: "graphql.us-east.example.com",
    provider: region.k8sProvider,
    subgraphs: [
        { name: "us-east", zone: "us", url: subgraphUrl("https://api.us-east.example.com", "regional"), sdl: regionalSubgraphSdl("us-east", "regional") },
        { name: "eu-central", zone: "eu", url: subgraphUrl("https://api.eu-central.example.com", "aggregate"), sdl: regionalSubgraphSdl("eu-central", "aggregate") },
    ],
});

export const clusterName = region.clusterName;
export const backendActiveColor = backend.activeColor;
export const edgeHealthUrl = la.healthUrl;
export const publications = Object.keys(mesh.publications);
export const gatewayUrl = gateway.url;
export const kubeconfig = pulumi.secret(region.kubeconfig);
