/**
 * Data sovereignty, in one place. Components check these rules at program time (fail fast,
 * nothing created) and the CrossGuard policy pack checks them again on the resource graph.
 *
 * This module must stay free of Pulumi and cloud SDK imports: the policy pack, the replication
 * providers and the offline tools all load it.
 */
import { SovereigntyError, ValidationError, oneOf } from "./errors";

/** A sovereignty zone: data born in a zone stays in it, except aggregate non-personal tables. */
export type Zone = "us" | "eu" | "apac";

export const ZONES: readonly Zone[] = ["us", "eu", "apac"];

export interface ZoneRules {
    /** Human description used in messages and docs. */
    readonly description: string;
    /** AWS regions where resources of this zone may live. */
    readonly awsRegions: readonly string[];
    /** Azure locations (normalised: lower case, no spaces) where resources of this zone may live. */
    readonly azureLocations: readonly string[];
}

/**
 * Allowed regions and locations per zone. EU means EU/EEA only (GDPR without transfer
 * mechanisms): London, Zurich and other adequacy-decision regions are deliberately absent.
 */
export const ZONE_RULES: Readonly<Record<Zone, ZoneRules>> = {
    us: {
        description: "United States",
        awsRegions: ["us-east-1", "us-east-2", "us-west-1", "us-west-2"],
        azureLocations: [
            "eastus", "eastus2", "centralus", "northcentralus", "southcentralus",
            "westcentralus", "westus", "westus2", "westus3",
        ],
    },
    eu: {
        description: "European Union / EEA (GDPR)",
        awsRegions: ["eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2"],
        azureLocations: [
            "germanywestcentral", "germanynorth", "westeurope", "northeurope", "francecentral",
            "francesouth", "swedencentral", "italynorth", "polandcentral", "spaincentral",
        ],
    },
    apac: {
        description: "Asia-Pacific including mainland China",
        awsRegions: [
            "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
            "ap-south-1", "ap-east-1", "cn-north-1", "cn-northwest-1",
        ],
        azureLocations: [
            "southeastasia", "eastasia", "japaneast", "japanwest", "australiaeast", "australiasoutheast",
            "koreacentral", "centralindia", "chinanorth3", "chinaeast3",
        ],
    },
};

/** Azure pseudo-locations for global services (Front Door, DNS, ...), exempt from the location rule. */
export const AZURE_GLOBAL_LOCATIONS: readonly string[] = ["global"];

/**
 * AWS services that have no region (IAM, Route 53, CloudFront, Organizations, ...). Resources of
 * these modules are exempt from the region rule, as in awsguard and region-deny SCPs.
 */
export const AWS_GLOBAL_MODULES: readonly string[] = [
    "iam", "route53", "cloudfront", "organizations", "globalaccelerator", "shield", "waf", "budgets", "costexplorer",
];

/** True for Pulumi AWS type tokens of global services, e.g. `aws:iam/role:Role`. */
export function isGlobalAwsType(type: string): boolean {
    const match = /^aws:([a-z0-9]+)\//.exec(type);
    return match !== null && AWS_GLOBAL_MODULES.includes(match[1]);
}

/** Azure accepts "Germany West Central" and "germanywestcentral" alike; compare normalised. */
export function normaliseAzureLocation(location: string): string {
    return location.toLowerCase().replace(/\s+/g, "");
}

export function isZone(value: unknown): value is Zone {
    return typeof value === "string" && (ZONES as readonly string[]).includes(value);
}

/** Throws a ValidationError naming `field` unless `value` is a known zone. */
export function assertZone(field: string, value: unknown): Zone {
    if (!isZone(value)) {
        throw new ValidationError(field, `unknown sovereignty zone ${JSON.stringify(value)}`, oneOf(ZONES));
    }
    return value;
}

export function isAwsRegionAllowed(zone: Zone, region: string): boolean {
    return ZONE_RULES[zone].awsRegions.includes(region);
}

export function isAzureLocationAllowed(zone: Zone, location: string): boolean {
    const normalised = normaliseAzureLocation(location);
    return AZURE_GLOBAL_LOCATIONS.includes(normalised) || ZONE_RULES[zone].azureLocations.includes(normalised);
}

/** Throws a SovereigntyError naming `field` unless the AWS region belongs to the zone. */
export function assertAwsRegion(field: string, zone: Zone, region: string): void {
    if (!isAwsRegionAllowed(zone, region)) {
        throw new SovereigntyError(
            field,
            `AWS region "${region}" is outside sovereignty zone "${zone}" (${ZONE_RULES[zone].description})`,
            oneOf(ZONE_RULES[zone].awsRegions),
        );
    }
}

/** Throws a SovereigntyError naming `field` unless the Azure location belongs to the zone. */
export function assertAzureLocation(field: string, zone: Zone, location: string): void {
    if (!isAzureLocationAllowed(zone, location)) {
        throw new SovereigntyError(
            field,
            `Azure location "${location}" is outside sovereignty zone "${zone}" (${ZONE_RULES[zone].description})`,
            oneOf(ZONE_RULES[zone].azureLocations),
        );
    }
}

/** The zone an AWS region belongs to, or undefined when no zone allows it. */
export function zoneOfAwsRegion(region: string): Zone | undefined {
    return ZONES.find((zone) => isAwsRegionAllowed(zone, region));
}

/** The zone an Azure location belongs to, or undefined (global locations have no zone). */
export function zoneOfAzureLocation(location: string): Zone | undefined {
    const normalised = normaliseAzureLocation(location);
    return ZONES.find((zone) => ZONE_RULES[zone].azureLocations.includes(normalised));
}

/**
 * Countries (ISO 3166-1 alpha-2) where a facility of each zone may stand: its operational rows are
 * personal data of that zone from the moment they are written. EU means the EU and the EEA, as for
 * the regions above; a country of no zone (e.g. GB, CH) has no home for its data here.
 */
export const ZONE_COUNTRIES: Readonly<Record<Zone, readonly string[]>> = {
    us: ["US", "PR", "GU", "VI", "AS", "MP"],
    eu: [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
        "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
    ],
    apac: ["AU", "CN", "HK", "ID", "IN", "JP", "KR", "MY", "NZ", "PH", "SG", "TH", "TW", "VN"],
};

/** The zone a facility in `country` belongs to, or undefined when no zone holds that country. */
export function zoneOfCountry(country: string): Zone | undefined {
    return ZONES.find((zone) => ZONE_COUNTRIES[zone].includes(country));
}

/**
 * Checks that a facility in `country` may be served by a stack of `zone`; returns the country.
 * An unknown code is a ValidationError; a country of another zone is a SovereigntyError (its rows
 * would be written to a region outside their zone).
 */
export function assertFacilityCountry(field: string, zone: Zone, country: unknown): string {
    if (typeof country !== "string" || !/^[A-Z]{2}$/.test(country)) {
        throw new ValidationError(field, `${JSON.stringify(country)} is not an ISO 3166-1 alpha-2 country code`, "two capital letters, e.g. \"US\", \"DE\", \"JP\"");
    }
    const home = zoneOfCountry(country);
    if (home === undefined) {
        throw new SovereigntyError(field, `no sovereignty zone holds data of facilities in ${country}`, `a country of zone ${oneOf(ZONES)}: ${ZONES.map((z) => `${z}: ${ZONE_COUNTRIES[z].join(" ")}`).join("; ")}`);
    }
    if (home !== zone) {
        throw new SovereigntyError(field, `a facility in ${country} belongs to zone "${home}" (${ZONE_RULES[home].description}) and cannot report to a region of zone "${zone}": its operational data would leave its zone`,
            `a country of zone "${zone}" (${ZONE_COUNTRIES[zone].join(", ")}), or a region of zone "${home}"`);
    }
    return country;
}

/** Azure location pairs (geo-redundant backups and GRS storage replicate to the pair). */
export const AZURE_PAIRED_LOCATIONS: Readonly<Record<string, string>> = {
    eastus: "westus", westus: "eastus", eastus2: "centralus", centralus: "eastus2",
    northcentralus: "southcentralus", southcentralus: "northcentralus", westus2: "westcentralus",
    westcentralus: "westus2", westus3: "eastus",
    germanywestcentral: "germanynorth", germanynorth: "germanywestcentral", westeurope: "northeurope",
    northeurope: "westeurope", francecentral: "francesouth", francesouth: "francecentral", swedencentral: "swedensouth",
    southeastasia: "eastasia", eastasia: "southeastasia", japaneast: "japanwest", japanwest: "japaneast",
    australiaeast: "australiasoutheast", australiasoutheast: "australiaeast", koreacentral: "koreasouth",
    centralindia: "southindia", chinanorth3: "chinaeast3", chinaeast3: "chinanorth3",
};

/**
 * A second place of the same zone that receives a copy of the backups of a server in `region`,
 * checked: AWS, any other region of the zone (automated-backup replication); Azure, only the
 * location's pair (geo-redundant backup always copies there), and only if the pair is in the zone.
 */
export function assertBackupCopyRegion(field: string, zone: Zone, cloud: "aws" | "azure", region: string, copyRegion: unknown): string {
    if (typeof copyRegion !== "string" || copyRegion === "") throw new ValidationError(field, `must be a region name, got ${JSON.stringify(copyRegion)}`);
    if (cloud === "aws") {
        assertAwsRegion(field, zone, copyRegion);
        if (copyRegion === region) throw new ValidationError(field, `is the server's own region "${region}": a copy there survives nothing a region outage takes`, "another region of the zone");
        return copyRegion;
    }
    const here = normaliseAzureLocation(region);
    const pair = AZURE_PAIRED_LOCATIONS[here];
    if (pair === undefined) throw new SovereigntyError(field, `Azure location "${region}" has no paired location, so geo-redundant backup cannot copy anywhere; leave it unset`);
    if (!isAzureLocationAllowed(zone, pair)) {
        throw new SovereigntyError(field, `geo-redundant backup of "${region}" copies to its pair "${pair}", which is outside sovereignty zone "${zone}" (${ZONE_RULES[zone].description}); leave it unset`);
    }
    if (normaliseAzureLocation(copyRegion) !== pair) throw new ValidationError(field, `Azure geo-redundant backup of "${region}" copies to its pair only`, `"${pair}"`);
    return pair;
}

// ---------------------------------------------------------------------------------------------
// Edge backup targets (EdgeSite `backup.offsite`; the policy reads the same rule from the labels)

/**
 * The off-site target of an edge site's backups (an S3 bucket's region or an Azure storage
 * account's location) must lie in the facility's own zone. Returns the place normalised (Azure
 * locations lower case, no spaces); throws a SovereigntyError naming `field` otherwise.
 */
export function assertEdgeBackupTarget(field: string, zone: Zone, cloud: "aws" | "azure", where: unknown): string {
    if (typeof where !== "string" || where.trim() === "") {
        throw new ValidationError(field, `must be ${cloud === "aws" ? "an AWS region" : "an Azure location"} of zone "${zone}", got ${JSON.stringify(where)}`);
    }
    if (cloud === "aws") {
        assertAwsRegion(field, zone, where);
        return where;
    }
    const location = normaliseAzureLocation(where);
    // "global" is a pseudo-location for global services; a storage account always has a real one.
    if (AZURE_GLOBAL_LOCATIONS.includes(location)) throw new SovereigntyError(field, `"${where}" is not a storage location`, oneOf(ZONE_RULES[zone].azureLocations));
    assertAzureLocation(field, zone, location);
    return location;
}

// ---------------------------------------------------------------------------------------------
// Table catalog

/**
 * - operational: written at the edge, owned by one facility (edge priority applies);
 * - master: written in the region, copied down to the edges of one tenant;
 * - aggregate: derived, non-identifying figures that may be shared between regions.
 */
export type TableClass = "operational" | "master" | "aggregate";

export interface TableSpec {
    /** Which tier writes it and where it may flow. */
    readonly class: TableClass;
    /** True when rows identify or relate to a natural person (GDPR personal data). */
    readonly personal: boolean;
    /** The columns every deployment of the table has; row filters may only use these. */
    readonly columns: readonly string[];
    /** Primary key; for operational tables it includes facility_id so row filters work on UPDATE/DELETE. */
    readonly primaryKey: readonly string[];
    /** One line for docs and the topology picture. */
    readonly description: string;
}

/** The platform's replicated tables. A table not listed here may not be replicated. */
export const TABLE_CATALOG: Readonly<Record<string, TableSpec>> = {
    orders: {
        class: "operational", personal: true,
        columns: ["facility_id", "tenant_id", "order_id", "customer_id", "product_id", "quantity", "status", "created_at", "updated_at"],
        primaryKey: ["facility_id", "order_id"],
        description: "Customer orders taken at a facility",
    },
    inventory_transactions: {
        class: "operational", personal: false,
        columns: ["facility_id", "tenant_id", "transaction_id", "product_id", "quantity_delta", "reason", "created_at"],
        primaryKey: ["facility_id", "transaction_id"],
        description: "Stock movements at a facility",
    },
    production_logs: {
        class: "operational", personal: true,
        columns: ["facility_id", "tenant_id", "log_id", "line_id", "operator_id", "product_id", "quantity", "logged_at"],
        primaryKey: ["facility_id", "log_id"],
        description: "Production line output, with the operator who recorded it",
    },
    quality_inspections: {
        class: "operational", personal: true,
        columns: ["facility_id", "tenant_id", "inspection_id", "product_id", "inspector_id", "result", "inspected_at"],
        primaryKey: ["facility_id", "inspection_id"],
        description: "Quality inspections, with the inspector who made them",
    },
    customers: {
        class: "master", personal: true,
        columns: ["tenant_id", "customer_id", "name", "email", "country", "updated_at"],
        primaryKey: ["tenant_id", "customer_id"],
        description: "Customers of a tenant (names, contacts)",
    },
    products: {
        class: "master", personal: false,
        columns: ["tenant_id", "product_id", "sku", "name", "updated_at"],
        primaryKey: ["tenant_id", "product_id"],
        description: "Product master data",
    },
    product_prices: {
        class: "master", personal: false,
        columns: ["tenant_id", "product_id", "currency", "price", "valid_from"],
        primaryKey: ["tenant_id", "product_id", "currency", "valid_from"],
        description: "Price lists",
    },
    inventory_snapshots: {
        class: "aggregate", personal: false,
        columns: ["region", "facility_id", "product_id", "on_hand", "snapshot_at"],
        primaryKey: ["region", "facility_id", "product_id", "snapshot_at"],
        description: "Stock on hand per facility and product, periodically",
    },
    facility_status: {
        class: "aggregate", personal: false,
        columns: ["region", "facility_id", "online", "orders_today", "reported_at"],
        primaryKey: ["region", "facility_id"],
        description: "Per-facility health and throughput figures",
    },
};

export const TABLE_NAMES: readonly string[] = Object.keys(TABLE_CATALOG);

export function tablesOfClass(tableClass: TableClass): string[] {
    return TABLE_NAMES.filter((name) => TABLE_CATALOG[name].class === tableClass);
}

/** Only aggregate, non-personal tables may leave their sovereignty zone. */
export function mayCrossZones(table: string): boolean {
    const spec = TABLE_CATALOG[table];
    return spec !== undefined && spec.class === "aggregate" && !spec.personal;
}

/** Throws a ValidationError naming `field` unless every table is in the catalog. */
export function assertKnownTables(field: string, tables: readonly string[]): void {
    const unknown = tables.filter((table) => !(table in TABLE_CATALOG));
    if (unknown.length > 0) {
        throw new ValidationError(field, `unknown table(s) ${unknown.map((t) => `"${t}"`).join(", ")}`, oneOf(TABLE_NAMES));
    }
}

/**
 * The core rule: a data movement from one zone to another may only carry aggregate, non-personal
 * tables. Within a zone anything in the catalog may move. Throws a SovereigntyError naming `field`.
 */
export function assertTablesMayFlow(field: string, fromZone: Zone, toZone: Zone, tables: readonly string[]): void {
    assertKnownTables(field, tables);
    if (fromZone === toZone) return;
    const refused = tables.filter((table) => !mayCrossZones(table));
    if (refused.length > 0) {
        throw new SovereigntyError(
            field,
            `${refused.map((t) => `"${t}" (${TABLE_CATALOG[t].class}${TABLE_CATALOG[t].personal ? ", personal" : ""})`).join(", ")} ` +
                `may not flow from zone "${fromZone}" to zone "${toZone}": only aggregate, non-personal tables cross zones`,
            oneOf(TABLE_NAMES.filter(mayCrossZones)),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Standbys and failover targets

/** The zone of an AWS region or Azure location, or undefined when no zone allows it. */
export function zoneOfRegion(cloud: "aws" | "azure", region: string): Zone | undefined {
    return cloud === "aws" ? zoneOfAwsRegion(region) : zoneOfAzureLocation(region);
}

/** Where a failover may go, checked: the zones on both sides and the target's normalised name. */
export interface FailoverTarget {
    fromZone: Zone;
    toZone: Zone;
    /** Normalised (Azure: lower case, no spaces). */
    target: string;
    crossZone: boolean;
}

/**
 * A copy of a database in `region` that can be promoted in `target` (a standby, a failover): in
 * another region of the same zone it may hold every table; in another zone only aggregate,
 * non-personal tables (`mayCrossZones`), because promoting it there would move the rest out of
 * the zone. The server's own region is refused: a copy there does not survive a region outage.
 * Throws a SovereigntyError (or ValidationError) naming `field`.
 */
export function assertFailoverTarget(field: string, cloud: "aws" | "azure", region: string, target: unknown, tables: readonly string[]): FailoverTarget {
    const kind = cloud === "aws" ? "AWS region" : "Azure location";
    const here = cloud === "azure" ? normaliseAzureLocation(region) : region;
    const fromZone = zoneOfRegion(cloud, here);
    if (fromZone === undefined) throw new ValidationError(field, `the server's ${kind} "${region}" belongs to no sovereignty zone`);
    const elsewhereInZone = (cloud === "aws" ? ZONE_RULES[fromZone].awsRegions : ZONE_RULES[fromZone].azureLocations).filter((r) => r !== here);
    if (typeof target !== "string" || target.trim() === "") throw new ValidationError(field, `must be a region name, got ${JSON.stringify(target)}`, oneOf(elsewhereInZone));
    const there = cloud === "azure" ? normaliseAzureLocation(target) : target;
    const toZone = zoneOfRegion(cloud, there);
    if (toZone === undefined) throw new ValidationError(field, `${kind} "${target}" belongs to no sovereignty zone`, oneOf(elsewhereInZone));
    if (there === here) throw new ValidationError(field, `is the server's own ${kind} "${here}": a standby there does not survive a region outage`, oneOf(elsewhereInZone));
    assertKnownTables(field, tables);
    if (toZone !== fromZone) {
        const refused = tables.filter((table) => !mayCrossZones(table));
        if (refused.length > 0) {
            const personal = refused.filter((table) => TABLE_CATALOG[table].personal);
            const what = personal.length > 0 ? `personal data (${personal.map((t) => `"${t}"`).join(", ")})` : `${refused.map((t) => `"${t}" (${TABLE_CATALOG[t].class})`).join(", ")}`;
            throw new SovereigntyError(
                field,
                `a standby in ${there} (zone ${toZone}) would hold zone ${fromZone} ${what}: only aggregate tables may leave zone ${fromZone}`,
                `${oneOf(elsewhereInZone)}, or a move of aggregate tables only (${oneOf(TABLE_NAMES.filter(mayCrossZones))})`,
            );
        }
    }
    return { fromZone, toZone, target: there, crossZone: toZone !== fromZone };
}

/**
 * A physical standby (read replica) copies the whole server, every table of the catalog: it may
 * only live in another region of the server's own zone. Returns the normalised standby region.
 */
export function assertStandbyRegion(field: string, zone: Zone, cloud: "aws" | "azure", region: string, standbyRegion: unknown): string {
    const checked = assertFailoverTarget(field, cloud, region, standbyRegion, TABLE_NAMES);
    if (checked.fromZone !== zone) throw new SovereigntyError(field, `the server's region "${region}" is in zone ${checked.fromZone}, not ${zone}`);
    return checked.target;
}

// ---------------------------------------------------------------------------------------------
// Tags and labels carried by every data-bearing resource

export const TAG_RESIDENCY = "data-residency";
export const TAG_CLASSIFICATION = "data-classification";

/** The most sensitive class of data a store holds. */
export type DataClassification = "personal" | "operational" | "aggregate";

export const DATA_CLASSIFICATIONS: readonly DataClassification[] = ["personal", "operational", "aggregate"];

/** Tags (AWS, Azure) or labels (Kubernetes, Docker) for a data-bearing resource. */
export function residencyTags(zone: Zone, classification: DataClassification): Record<string, string> {
    return { [TAG_RESIDENCY]: zone, [TAG_CLASSIFICATION]: classification };
}

/** The classification of a store holding the given tables: personal beats operational beats aggregate. */
export function classifyTables(tables: readonly string[]): DataClassification {
    assertKnownTables("tables", tables);
    if (tables.some((t) => TABLE_CATALOG[t].personal)) return "personal";
    if (tables.some((t) => TABLE_CATALOG[t].class !== "aggregate")) return "operational";
    return "aggregate";
}
