/**
 * The subgraph schema each regional backend serves to the federation gateways.
 *
 * A region serves two audiences from the same backend:
 * - `aggregate` (`/graphql/federation/aggregate`): inventory snapshots and facility status, the
 *   aggregate tables of TABLE_CATALOG; safe for gateways of any zone;
 * - `regional` (`/graphql/federation/regional`): the above plus orders and customers (personal),
 *   for the gateway of the region's own zone only.
 *
 * Each region owns root fields named after it (`usEast`, `euCentralOrders`), so a gateway fans a
 * cross-region question ("inventory across LA + Frankfurt + Shanghai") out to every region in one
 * query, and no two subgraphs fight over a root field. The shared value types are `@shareable`.
 */
import { ValidationError } from "../../shared/errors";

export type SubgraphAudience = "aggregate" | "regional";

/** Path of each audience's subgraph endpoint on a regional backend. */
export const SUBGRAPH_PATHS: Readonly<Record<SubgraphAudience, string>> = {
    aggregate: "/graphql/federation/aggregate",
    regional: "/graphql/federation/regional",
};

const REGION = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** `us-east` → `usEast`: the region's root field. */
export function regionRootField(region: string): string {
    if (!REGION.test(region)) {
        throw new ValidationError("region", `invalid region name ${JSON.stringify(region)}`, "lower-case letters, digits and dashes, e.g. \"us-east\"");
    }
    return region.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@shareable", "@tag"])';

/** Value types shared by every region (identical in every subgraph, hence `@shareable`). */
const AGGREGATE_TYPES = `
"Aggregate figures of one region: safe to share across sovereignty zones."
type RegionAggregates @shareable @tag(name: "aggregate") {
  region: String!
  zone: String!
  inventorySnapshots(facilityId: String, productId: String): [InventorySnapshot!]!
  facilityStatus(facilityId: String): [FacilityStatus!]!
}

"Stock on hand per facility and product (table inventory_snapshots)."
type InventorySnapshot @shareable @tag(name: "table:inventory_snapshots") {
  region: String!
  facilityId: String!
  productId: String!
  onHand: Int!
  snapshotAt: String!
}

"Per-facility health and throughput (table facility_status)."
type FacilityStatus @shareable @tag(name: "table:facility_status") {
  region: String!
  facilityId: String!
  online: Boolean!
  ordersToday: Int!
  reportedAt: String!
}
`;

const REGIONAL_TYPES = `
"A customer order (table orders): personal, never leaves its zone."
type Order @shareable @tag(name: "table:orders") {
  facilityId: String!
  tenantId: String!
  orderId: String!
  customerId: String!
  productId: String!
  quantity: Int!
  status: String!
  createdAt: String!
  updatedAt: String!
}

"A tenant's customer (table customers): personal, never leaves its zone."
type Customer @shareable @tag(name: "table:customers") {
  tenantId: String!
  customerId: String!
  name: String!
  email: String!
  country: String!
  updatedAt: String!
}
`;

/** The SDL a region serves to one audience. */
export function regionalSubgraphSdl(region: string, audience: SubgraphAudience): string {
    const root = regionRootField(region);
    const regionalFields = audience === "regional"
        ? `
  "Orders of ${region}'s facilities (personal: served to the gateway of the region's own zone only)."
  ${root}Orders(facilityId: String!, first: Int = 50): [Order!]!
  "Customers of a tenant in ${region} (personal: served to the gateway of the region's own zone only)."
  ${root}Customers(tenantId: String!, first: Int = 50): [Customer!]!`
        : "";
    return [
        FEDERATION_LINK,
        "",
        "type Query {",
        `  "Aggregates of region ${region}."`,
        `  ${root}: RegionAggregates`,
        regionalFields.replace(/^\n/, ""),
        "}",
        AGGREGATE_TYPES,
        audience === "regional" ? REGIONAL_TYPES : "",
    ].filter((line) => line !== "").join("\n");
}

/** The subgraph endpoint of a region's backend for an audience: `<baseUrl>/graphql/federation/<audience>`. */
export function subgraphUrl(baseUrl: string, audience: SubgraphAudience): string {
    return `${baseUrl.replace(/\/+$/, "")}${SUBGRAPH_PATHS[audience]}`;
}
