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
