/**
 * New factories of the `local` tier (`agogsaas:localSites`), as the self-service edge request
 * adds them (docs/selfservice.md): each is an edge computer of its own, here an embedded
 * PostgreSQL server on its own loopback port, joined to the region it reports to exactly as a
 * regional stack joins an inline facility:
 *
 *   site ──operational (its facility)──▶ the region's anchor (us_east_blue, eu_central)
 *   site ◀──master data (tenant acme)─── the region's anchor
 *
 * Green receives the site's rows through blue, as it does LA's. The site's details (address,
 * network, VPN, IT contact) are checked by the library's site rules (components/edge-site/site.ts), its
 * country against the region's zone (sovereignty). The server itself is not created by the stack:
 * it stands for the edge computer, which the self-service tool starts before the update.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
    ValidationError, FACILITY_ID_PATTERN, EdgeSiteDetails, validateSiteDetails, EDGE_SIZE_TIERS, EdgeSizeTier, ReplicationCapacity,
    type ReplicationMeshArgs, type PgConnectionInput, Zone,
} from "@agogsaas/pulumi";
import { assertDisjointSubnets } from "../components/edge-site/site";
import { edgeReplicationCapacity } from "../components/replication/capacity";
import { tablesOfClass } from "../components/shared/sovereignty";
import { assertUnique, readArray, readChoice, readInteger, readObject, readString } from "./config-fields";
import { NODES, TENANT_FILTER, facilityFilter } from "./local-topology";

/** The regions a site may report to, with the node its flows meet and the server that node is on. */
export const LOCAL_SITE_REGIONS = {
    "us-east": { zone: "us", anchor: NODES.blue, server: "us_east" },
    "eu-central": { zone: "eu", anchor: NODES.euCentral, server: "eu_central" },
} as const satisfies Record<string, { zone: Zone; anchor: string; server: string }>;
export type LocalSiteRegion = keyof typeof LOCAL_SITE_REGIONS;
export const LOCAL_SITE_REGION_NAMES = Object.keys(LOCAL_SITE_REGIONS) as LocalSiteRegion[];

/** Sites each region's server has replication capacity for, beyond its own factory (stacks/local.ts starts it so). */
export const LOCAL_SITE_SLOTS = 2;

/** The factory database on a site's server, as on the other edges. */
export const SITE_DATABASE = "factory";

const SITE_FIELDS = ["id", "name", "region", "size", "port", "site"] as const;

export interface LocalSite {
    /** Facility id, EdgeSite's pattern (`facility-sea-001`), new to the stack. Required. */
    id: string;
    /** Display name, 2-100 characters. Required. */
    name: string;
    /** The region it reports to: "us-east" or "eu-central". Required. */
    region: LocalSiteRegion;
    /** The region's zone, which the site's country must be in (derived from `region`, not set). */
    zone: Zone;
    /** Hardware tier: "small", "medium" or "large" (EdgeSite's sizes). Required. */
    size: EdgeSizeTier;
    /** Loopback port of the site's PostgreSQL server, 1024-65535, no other server's. Required. */
    port: number;
    /** Address, network, VPN and IT contact (components/edge-site/site.ts). Required. */
    site: EdgeSiteDetails;
}

/** Replication capacity of an edge's server: one regional subscriber, one master-data subscription (every local edge). */
export function edgeServerCapacity(): ReplicationCapacity {
    return edgeReplicationCapacity({ regionalSubscribers: 1, masterDataSubscriptions: 1 });
}

/** The mesh node of a site: a plain identifier from its id (`facility-sea-001` → `site_sea_001`). */
export function siteNodeName(id: string): string {
    return `site_${id.slice("facility-".length).replace(/-/g, "_")}`;
}

/**
 * Reads `agogsaas:localSites`; `taken` are the facility ids and ports the rest of the stack uses.
 * Throws a ValidationError (or SovereigntyError for a country outside the region's zone) naming the field.
 */
export function parseLocalSites(key: string, value: unknown, taken: { facilities: readonly string[]; ports: ReadonlyMap<number, string> }): LocalSite[] {
    const sites = readArray(key, value ?? []).map((entry, i): LocalSite => {
        const path = `${key}[${i}]`;
        const raw = readObject(path, entry, SITE_FIELDS);
        const id = readString(`${path}.id`, raw.id);
        if (!FACILITY_ID_PATTERN.test(id)) throw new ValidationError(`${path}.id`, `${JSON.stringify(id)} is not a valid facility id`, "facility-<site>-<nnn>, e.g. \"facility-sea-001\"");
        if (taken.facilities.includes(id)) throw new ValidationError(`${path}.id`, `${id} is already a facility of this stack`, "a facility id of its own");
        const name = readString(`${path}.name`, raw.name).trim();
        if (name.length < 2 || name.length > 100) throw new ValidationError(`${path}.name`, `must be 2-100 characters, got ${name.length}`);
        const region = readChoice(`${path}.region`, raw.region, LOCAL_SITE_REGION_NAMES);
        const port = readInteger(`${path}.port`, raw.port, 1024, 65535);
        const holder = taken.ports.get(port);
        if (holder !== undefined) throw new ValidationError(`${path}.port`, `port ${port} is already the port of ${holder}`, "a port of its own");
        const zone = LOCAL_SITE_REGIONS[region].zone;
        return {
            id, name, region, zone, port,
            size: readChoice(`${path}.size`, raw.size, EDGE_SIZE_TIERS),
            site: validateSiteDetails(`${path}.site`, zone, raw.site),
        };
    });
    assertUnique(key, sites.map((s) => s.id));
    assertUnique(`${key} ports`, sites.map((s) => String(s.port)));
    for (const region of LOCAL_SITE_REGION_NAMES) {
        const count = sites.filter((s) => s.region === region).length;
        if (count > LOCAL_SITE_SLOTS) {
            throw new ValidationError(key, `${count} sites report to ${region}, whose server was started with replication capacity for ${LOCAL_SITE_SLOTS}`, `at most ${LOCAL_SITE_SLOTS} per region`);
        }
    }
    assertDisjointSubnets(sites.map((s, i) => ({ field: `${key}[${i}].site.network.subnet`, subnet: s.site.network.subnet })));
    return sites;
}

type Connection = ReplicationMeshArgs["nodes"][number]["connection"];

/** `args` with each site as an edge node and its two flows to and from its region's anchor. */
export function withLocalSites(sites: readonly LocalSite[], args: ReplicationMeshArgs,
    connectionOf: (site: LocalSite) => Connection | pulumi.Input<PgConnectionInput>, passwordOf: (node: string) => pulumi.Input<string>): ReplicationMeshArgs {
    if (sites.length === 0) return args;
    const nodes = sites.map((site) => ({
        name: siteNodeName(site.id), zone: site.zone, role: "edge" as const, capacity: edgeServerCapacity(),
        connection: connectionOf(site), replicationPassword: passwordOf(siteNodeName(site.id)),
    }));
    const flows = sites.flatMap((site) => [
        { from: siteNodeName(site.id), to: LOCAL_SITE_REGIONS[site.region].anchor, tables: tablesOfClass("operational"), rowFilter: facilityFilter([site.id]) },
        { from: LOCAL_SITE_REGIONS[site.region].anchor, to: siteNodeName(site.id), tables: tablesOfClass("master"), rowFilter: TENANT_FILTER },
    ]);
    return { ...args, nodes: [...args.nodes, ...nodes], flows: [...(args.flows ?? []), ...flows] };
}

/** What the stack reports of a site; the IT contact is personal data and goes out as a secret. */
export function siteSummary(site: LocalSite, secret: <T>(value: T) => pulumi.Output<T>) {
    return {
        node: siteNodeName(site.id), name: site.name, region: site.region, zone: site.zone, size: site.size,
        city: site.site.address.city, country: site.site.address.country, subnet: site.site.network.subnet, vpn: site.site.vpn.type,
        itContact: secret(site.site.itContact),
    };
}
