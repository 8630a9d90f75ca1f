/**
 * The stack's typed configuration: read once, validated completely against the sovereignty module
 * before any resource is registered. Every error names the config key (`agogsaas:region`,
 * `agogsaas:facilities[1].dockerHost`) and what is allowed.
 *
 * `parseStackConfig` is pure (fully qualified string config in, typed config out) so the synth
 * CLI, the benchmarks and the tests use exactly the rules the program uses.
 */
import { FacilityMode, assertFacilityMode } from "../components/fallback/plan";
import * as pulumi from "@pulumi/pulumi";
import {
    SovereigntyError, ValidationError, Zone, EDGE_SIZE_TIERS, EdgeSizeTier, DEFAULT_EDGE_IMAGES, EDGE_IMAGE_NAMES, EdgeImageName,
    FACILITY_ID_PATTERN, EdgeBackupArgs, EdgeSiteDetails, validateSiteDetails, COLORS, Color,
} from "@agogsaas/pulumi";
import { oneOf } from "../components/shared/errors";
import { assertAwsRegion, assertAzureLocation, assertZone, normaliseAzureLocation, tablesOfClass } from "../components/shared/sovereignty";
import { parseImageRef } from "../components/shared/image-ref";
import { validateEdgeBackup } from "../components/edge-site/internal/backup";
import { assertDisjointSubnets } from "../components/edge-site/site";
import {
    assertUnique, describe, readArray, readBoolean, readChoice, readDockerHost, readIdentifier, readImage, readInteger,
    readObject, readString, readVersion,
} from "./config-fields";

export { COLORS, Color };

/** The Pulumi project name, and so the namespace of every key below. */
export const PROJECT = "agogsaas";

export const TIERS = ["regional", "edge"] as const;
export type Tier = (typeof TIERS)[number];
export const ENVIRONMENTS = ["production", "staging", "development"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const CLOUDS = ["aws", "azure"] as const;
export type Cloud = (typeof CLOUDS)[number];
export const EDGE_DEPLOYMENTS = ["inline", "stacks"] as const;
export type EdgeDeployment = (typeof EDGE_DEPLOYMENTS)[number];
export const APPS = ["backend", "frontend"] as const;
export type App = (typeof APPS)[number];

/** Facility ids follow EdgeSite's pattern (components/edge-site/args.ts), the one every tier agrees on. */
const FACILITY_ID_ALLOWED = '"facility-<site>-<nnn>": "facility-", 2-16 lowercase letters/digits starting with a letter, "-", three digits (e.g. "facility-la-001")';
/** A DNS hostname (labels of letters, digits, hyphens). */
const HOSTNAME_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

export type AppVersions = Partial<Record<Color, string>>;

export interface TenantConfig {
    /** Tenant id, used in row filters of master-data flows (`tenant_id = '<id>'`). */
    id: string;
    /** Display name. */
    name: string;
}

/** Pinned image per edge image key (`rclone` may be left out: EdgeSite's pinned default). */
export type EdgeImages = Record<EdgeImageName, string>;
/** Edge images a stack need not pin (the library pins them). */
const OPTIONAL_EDGE_IMAGES: readonly EdgeImageName[] = ["rclone"];

export interface FacilityConfig {
    /** Facility id (`facility-la-001`, see FACILITY_ID_PATTERN): row filter of its operational flows and the base of its resource names. */
    id: string;
    /** Display name, e.g. "Foo Inc Los Angeles". */
    name: string;
    /** The tenant owning the facility; one of `agogsaas:tenants`. */
    tenant: string;
    /** Docker daemon of the edge computer, `ssh://user@host[:port]` (or `tcp://host:port`). */
    dockerHost: string;
    /** Hardware tier: small (NUC 16 GB), medium (OptiPlex 32 GB), large (server 64 GB). */
    size: EdgeSizeTier;
    /** true when the site is unreachable: its regional side stays, its edge is left untouched. */
    offline: boolean;
    /** Who writes the facility's rows: its edge ("edge", default), a cloud workspace ("fallback"), or the hand-back to a new edge ("return"); see components/fallback/plan.ts. */
    mode: FacilityMode;
    /** Sovereignty zone of the facility's data; always the stack's zone (checked). */
    zone: Zone;
    /** Pinned edge images: `agogsaas:edgeImages` with the facility's own overrides applied. */
    images: EdgeImages;
    /** The config path each image was taken from (`agogsaas:edgeImages.nats` or the facility's override), for messages. */
    imageSources: Record<EdgeImageName, string>;
    /** Who deploys the facility's containers: this regional stack ("inline") or the facility's own edge stack ("stacks"). Default `agogsaas:edgeDeployment`. */
    edgeDeployment: EdgeDeployment;
    /** The facility's own edge stack (a stack reference name), read for its database endpoint when `edgeDeployment` is "stacks". Default `edge-<site>-<nnn>` (the id without "facility-"). */
    edgeStack: string;
    /** Scheduled backups, as EdgeSite's `backup` (validated here already, off-site target in the zone). Default: EdgeSite's (on, volumes only). */
    backup?: EdgeBackupArgs;
    /** Address (country in the stack's zone), network, VPN and IT contact of the edge computer (components/edge-site/site.ts). Default none. */
    site?: EdgeSiteDetails;
}

/** A peer region's peering publication, given in config instead of through its stack reference. */
export interface PeerDatabaseConfig {
    /** Host name of the peer's regional server, as this region reaches it. */
    host: string;
    /** Port. Default 5432. */
    port: number;
    /** The peer's peering database. Default `agogsaas_peering` (stacks/mesh.ts PEERING_DATABASE). */
    database?: string;
    /** The peer's peering login (its `peering.database.user` output), never its administrator: this region's subscriptions log in with it. */
    user: string;
    /** Its password (the peer's `peeringPassword`): set it with `pulumi config set --secret --path`; always handled as a secret. */
    password: string;
    /** The publication the peer offers. Default `mesh_peering_<peer stack with _>` (stacks/mesh.ts). */
    publication?: string;
}

export interface PeerConfig {
    /** The peer's stack name, e.g. "eu-central". */
    stack: string;
    /** The peer's sovereignty zone: decides which tables may flow to it. */
    zone: Zone;
    /** The peer's cloud (aws or azure); when given, it must equal the peer stack's `peering.cloud`. Default: not declared. */
    cloud?: Cloud;
    /** The peer's AWS region or Azure location (in `zone`); when given, it must equal the peer stack's `peering.region`. Default: not declared. */
    region?: string;
    /** The aggregate tables taken from the peer; must equal what the peer offers (`peering.tables`). Default: every aggregate table. */
    tables?: string[];
    /** Fully qualified stack reference (`org/agogsaas/eu-central`) to read the peer's outputs from. */
    stackReference?: string;
    /** The peer's aggregate GraphQL subgraph URL; overrides the stack reference's. Required without `stackReference`. */
    graphqlUrl?: string;
    /** The peer's regional server, when not read from `stackReference` (tests, peers managed elsewhere). Required without `stackReference`. */
    database?: PeerDatabaseConfig;
}

export interface ClusterSizing {
    /** Kubernetes minor version, e.g. "1.32". */
    kubernetesVersion: string;
    /** Node instance type / VM size; undefined = the component's default for the cloud. */
    nodeSize?: string;
    /** Nodes at rest. */
    nodeCount: number;
    /** Autoscaler upper bound. */
    nodeMaxCount: number;
}

export interface DatabaseSizing {
    /** RDS instance class / Flexible Server SKU; undefined = the component's default for the cloud. */
    sku?: string;
    /** Allocated storage in GiB. */
    storageGb: number;
    /** Point-in-time-recovery window in days. */
    backupRetentionDays: number;
    /** Region/location of the cross-region standby (same zone only); undefined = none. */
    standbyRegion?: string;
}

/** Everything a stack of this project is configured with, validated. */
export interface StackConfig {
    project: string;
    stack: string;
    tier: Tier;
    environment: Environment;
    zone: Zone;
    cloud: Cloud;
    /** AWS region or Azure location (normalised). */
    region: string;
    activeColor: Color;
    /** Image tag per app and color. The active color always has one. */
    versions: Record<App, AppVersions>;
    /** Image repository per app (tag from `versions`). */
    images: Record<App, string>;
    /** Public DNS name of the region (the regional stack serves it; an edge stack reports to it). */
    publicHostname: string;
    cluster: ClusterSizing;
    database: DatabaseSizing;
    edgeDeployment: EdgeDeployment;
    tenants: TenantConfig[];
    facilities: FacilityConfig[];
    peers: PeerConfig[];
}

/** Defaults of the object-valued keys (Pulumi.yaml cannot declare object defaults). */
export const DEFAULT_IMAGES: Readonly<Record<App, string>> = {
    backend: "ghcr.io/agogsaas/backend",
    frontend: "ghcr.io/agogsaas/frontend",
};

/**
 * Defaults of the scalar keys. Pulumi.yaml declares the same defaults for the Pulumi CLI (a test
 * keeps the two equal); these apply when the program runs with config that did not pass through
 * the CLI or the synth loader.
 */
export const DEFAULTS = {
    tier: "regional",
    environment: "production",
    activeColor: "blue",
    kubernetesVersion: "1.32",
    nodeSize: "",
    nodeCount: 3,
    nodeMaxCount: 6,
    databaseSku: "",
    databaseStorageGb: 128,
    databaseBackupRetentionDays: 14,
    databaseStandbyRegion: "",
    edgeDeployment: "inline",
} as const;

/** Every key this project reads; anything else under `agogsaas:` is a typo and refused. */
export const CONFIG_KEYS = [
    "tier", "environment", "zone", "cloud", "region", "activeColor", "publicHostname",
    "kubernetesVersion", "nodeSize", "nodeCount", "nodeMaxCount",
    "databaseSku", "databaseStorageGb", "databaseBackupRetentionDays", "databaseStandbyRegion", "edgeDeployment",
    "versions", "images", "edgeImages", "tenants", "facilities", "peers",
] as const;

/** `agogsaas:<name>` */
export function configKey(name: string): string {
    return `${PROJECT}:${name}`;
}

// ---------------------------------------------------------------------------------------------

/** Raw config as the Pulumi CLI hands it to the program: fully qualified keys, string values. */
export type RawConfig = Readonly<Record<string, string>>;

/** A structured (list or map) config value from its JSON form; throws naming `key` when it is a plain string. */
export function parseJson(key: string, raw: string | undefined): unknown {
    if (raw === undefined) return undefined;
    try {
        return JSON.parse(raw);
    } catch {
        throw new ValidationError(key, "expected structured YAML (a list or a map), got a plain string");
    }
}

/** Access to the raw config of one stack, with keys qualified by the project. */
interface ConfigSource {
    project: string;
    stack: string;
    raw: RawConfig;
    key(name: string): string;
    get(name: string): string | undefined;
    getOrDefault(name: keyof typeof DEFAULTS): string;
    required(name: string): string;
    /** A structured value (list or map) decoded from its JSON form. */
    getStructured(name: string): unknown;
}

function configSource(raw: RawConfig, stack: string, project: string): ConfigSource {
    const key = (name: string) => `${project}:${name}`;
    const get = (name: string): string | undefined => raw[key(name)];
    return {
        project, stack, raw, key, get,
        getOrDefault: (name) => get(name) ?? String(DEFAULTS[name]),
        required: (name) => {
            const value = get(name);
            if (value === undefined || value.trim() === "") throw new ValidationError(key(name), "missing required configuration value");
            return value;
        },
        getStructured: (name) => parseJson(key(name), get(name)),
    };
}

/** Typos first: an unknown key usually means a known one is silently at its default. */
function assertKnownKeys(src: ConfigSource): void {
    for (const fullKey of Object.keys(src.raw)) {
        if (fullKey.startsWith(`${src.project}:`) && !(CONFIG_KEYS as readonly string[]).includes(fullKey.slice(src.project.length + 1))) {
            throw new ValidationError(fullKey, "unknown config key", oneOf(CONFIG_KEYS.map(src.key)));
        }
    }
}

/**
 * Zone, cloud and region. The region must lie in the zone, and the providers' own region keys
 * must agree with it: a default provider pointing elsewhere would put resources there.
 */
function readPlacement(src: ConfigSource, tier: Tier): { zone: Zone; cloud: Cloud; region: string } {
    const zone = assertZone(src.key("zone"), src.required("zone"));
    const cloud = readChoice(src.key("cloud"), src.required("cloud"), CLOUDS);
    const regionValue = readString(src.key("region"), src.required("region"));
    const region = cloud === "azure" ? normaliseAzureLocation(regionValue) : regionValue;
    if (cloud === "aws") assertAwsRegion(src.key("region"), zone, region);
    else assertAzureLocation(src.key("region"), zone, region);

    const awsRegion = src.raw["aws:region"];
    if (awsRegion !== undefined) {
        assertAwsRegion("aws:region", zone, awsRegion);
        if (cloud === "aws" && awsRegion !== region) {
            throw new SovereigntyError("aws:region", `"${awsRegion}" differs from ${src.key("region")} "${region}"`, `"${region}"`);
        }
    } else if (cloud === "aws" && tier === "regional") {
        throw new ValidationError("aws:region", "missing: the AWS provider needs the stack's region", `"${region}"`);
    }
    const azureLocation = src.raw["azure-native:location"];
    if (azureLocation !== undefined) {
        assertAzureLocation("azure-native:location", zone, azureLocation);
        if (cloud === "azure" && normaliseAzureLocation(azureLocation) !== region) {
            throw new SovereigntyError("azure-native:location", `"${azureLocation}" differs from ${src.key("region")} "${region}"`, `"${region}"`);
        }
    }
    return { zone, cloud, region };
}

/** Image tag per app and color; the active color must have one. */
function readVersions(src: ConfigSource, environment: Environment, activeColor: Color): Record<App, AppVersions> {
    const versionsRaw = readObject(src.key("versions"), parseJson(src.key("versions"), src.required("versions")), APPS);
    const versions = {} as Record<App, AppVersions>;
    for (const app of APPS) {
        const appPath = `${src.key("versions")}.${app}`;
        const perColor = readObject(appPath, versionsRaw[app] ?? {}, COLORS);
        versions[app] = {};
        for (const color of COLORS) {
            if (perColor[color] !== undefined) versions[app][color] = readVersion(`${appPath}.${color}`, perColor[color], environment === "production");
        }
        if (versions[app][activeColor] === undefined) {
            throw new ValidationError(
                `${appPath}.${activeColor}`,
                `no version for the active color "${activeColor}" (${src.key("activeColor")}); set one or switch the active color`,
                'an image tag such as "1.5.0"',
            );
        }
    }
    return versions;
}

/** Image repository per app (no tag: the tag comes from versions). */
function readImages(src: ConfigSource): Record<App, string> {
    const imagesRaw = readObject(src.key("images"), src.getStructured("images") ?? {}, APPS);
    const images = {} as Record<App, string>;
    for (const app of APPS) {
        const path = `${src.key("images")}.${app}`;
        const repository = imagesRaw[app] === undefined ? DEFAULT_IMAGES[app] : readString(path, imagesRaw[app]);
        const ref = parseImageRef(repository);
        if (!ref || ref.tag !== undefined || ref.digest !== undefined) {
            throw new ValidationError(path, `${describe(repository)} is not an image repository`, 'a repository without tag, e.g. "ghcr.io/agogsaas/backend" (the tag comes from versions)');
        }
        images[app] = repository;
    }
    return images;
}

function readTenants(src: ConfigSource): TenantConfig[] {
    const tenants = readArray(src.key("tenants"), src.getStructured("tenants") ?? []).map((value, i) => {
        const path = `${src.key("tenants")}[${i}]`;
        const tenant = readObject(path, value, ["id", "name"]);
        return { id: readIdentifier(`${path}.id`, tenant.id), name: readString(`${path}.name`, tenant.name) };
    });
    assertUnique(src.key("tenants"), tenants.map((t) => t.id));
    return tenants;
}

const FACILITY_FIELDS = ["id", "name", "tenant", "dockerHost", "size", "offline", "mode", "zone", "images", "edgeDeployment", "edgeStack", "backup", "site"] as const;
/** A stack reference: `stack`, `project/stack` or `org/project/stack`. */
const STACK_REFERENCE_PATTERN = /^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;
const STACK_REFERENCE_ALLOWED = '"org/project/stack", "project/stack" or "stack"';

export function readStackReference(path: string, value: unknown): string {
    const reference = readString(path, value);
    if (!STACK_REFERENCE_PATTERN.test(reference)) throw new ValidationError(path, `${describe(reference)} is not a stack reference`, STACK_REFERENCE_ALLOWED);
    return reference;
}

function readFacilities(src: ConfigSource, zone: Zone, environment: Environment, tenants: readonly TenantConfig[], edgeDeployment: EdgeDeployment): FacilityConfig[] {
    const values = readArray(src.key("facilities"), src.getStructured("facilities") ?? []);
    const edgeImagesValue = src.getStructured("edgeImages");
    if (values.length > 0 && edgeImagesValue === undefined) {
        throw new ValidationError(src.key("edgeImages"), "missing: facilities need their pinned edge images", `a map of ${oneOf(EDGE_IMAGE_NAMES.filter((n) => !OPTIONAL_EDGE_IMAGES.includes(n))).replace(" or ", " and ")}`);
    }
    const edgeImages = edgeImagesValue === undefined ? undefined : readObject(src.key("edgeImages"), edgeImagesValue, EDGE_IMAGE_NAMES);

    const facilities = values.map((value, i): FacilityConfig => {
        const path = `${src.key("facilities")}[${i}]`;
        const facility = readObject(path, value, FACILITY_FIELDS);
        const id = readString(`${path}.id`, facility.id);
        if (!FACILITY_ID_PATTERN.test(id)) {
            throw new ValidationError(`${path}.id`, `${describe(id)} is not a valid facility id`, FACILITY_ID_ALLOWED);
        }
        const tenant = readString(`${path}.tenant`, facility.tenant);
        if (!tenants.some((t) => t.id === tenant)) {
            throw new ValidationError(`${path}.tenant`, `unknown tenant ${describe(tenant)}`, tenants.length > 0 ? oneOf(tenants.map((t) => t.id)) : `a tenant listed under ${src.key("tenants")}`);
        }
        const facilityZone = facility.zone === undefined ? zone : assertZone(`${path}.zone`, facility.zone);
        if (facilityZone !== zone) {
            throw new SovereigntyError(`${path}.zone`, `facility in zone "${facilityZone}" cannot be served by a stack in zone "${zone}": its operational data would leave its zone`, `"${zone}" (or a stack of zone "${facilityZone}")`);
        }
        // Each image: the facility's override if it has one, else the stack's edgeImages entry.
        const overrides = facility.images === undefined ? {} : readObject(`${path}.images`, facility.images, EDGE_IMAGE_NAMES);
        const images = {} as EdgeImages;
        const imageSources = {} as Record<EdgeImageName, string>;
        for (const name of EDGE_IMAGE_NAMES) {
            const override = overrides[name] !== undefined;
            imageSources[name] = override ? `${path}.images.${name}` : `${src.key("edgeImages")}.${name}`;
            const given = override ? overrides[name] : edgeImages?.[name];
            images[name] = given === undefined && OPTIONAL_EDGE_IMAGES.includes(name)
                ? DEFAULT_EDGE_IMAGES[name as keyof typeof DEFAULT_EDGE_IMAGES]
                : readImage(imageSources[name], given, environment === "production");
        }
        return {
            id,
            name: readString(`${path}.name`, facility.name),
            tenant,
            dockerHost: readDockerHost(`${path}.dockerHost`, facility.dockerHost),
            size: readChoice(`${path}.size`, facility.size, EDGE_SIZE_TIERS),
            offline: facility.offline === undefined ? false : readBoolean(`${path}.offline`, facility.offline),
            mode: facility.mode === undefined ? "edge" : assertFacilityMode(`${path}.mode`, facility.mode),
            zone: facilityZone,
            images,
            imageSources,
            edgeDeployment: facility.edgeDeployment === undefined ? edgeDeployment : readChoice(`${path}.edgeDeployment`, facility.edgeDeployment, EDGE_DEPLOYMENTS),
            edgeStack: facility.edgeStack === undefined ? `edge-${id.slice("facility-".length)}` : readStackReference(`${path}.edgeStack`, facility.edgeStack),
            // EdgeSite's own rules (ranges, known fields, off-site target in the zone), checked here so a bad value fails before any stack work.
            ...(facility.backup === undefined ? {} : { backup: readEdgeBackup(`${path}.backup`, facilityZone, facility.backup) }),
            ...(facility.site === undefined ? {} : { site: validateSiteDetails(`${path}.site`, facilityZone, facility.site) }),
        };
    });
    assertUnique(src.key("facilities"), facilities.map((f) => f.id));
    assertDisjointSubnets(facilities.flatMap((f, i) => f.site ? [{ field: `${src.key("facilities")}[${i}].site.network.subnet`, subnet: f.site.network.subnet }] : []));
    return facilities;
}

function readEdgeBackup(path: string, zone: Zone, value: unknown): EdgeBackupArgs {
    validateEdgeBackup(path, zone, value);
    return value as EdgeBackupArgs;
}

function readPeers(src: ConfigSource): PeerConfig[] {
    const peers = readArray(src.key("peers"), src.getStructured("peers") ?? []).map((value, i): PeerConfig => {
        const path = `${src.key("peers")}[${i}]`;
        const peer = readObject(path, value, ["stack", "zone", "cloud", "region", "tables", "stackReference", "graphqlUrl", "database"]);
        const peerStack = readIdentifier(`${path}.stack`, peer.stack);
        if (peerStack === src.stack) throw new ValidationError(`${path}.stack`, `a stack cannot peer with itself ("${src.stack}")`, "another regional stack");
        const stackReference = peer.stackReference === undefined ? undefined : readStackReference(`${path}.stackReference`, peer.stackReference);
        const graphqlUrl = peer.graphqlUrl === undefined ? undefined : readString(`${path}.graphqlUrl`, peer.graphqlUrl);
        if (graphqlUrl !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(graphqlUrl)) {
            throw new ValidationError(`${path}.graphqlUrl`, `${describe(graphqlUrl)} is not an http(s) URL`, '"https://api.eu-central.example.com/graphql/federation/aggregate"');
        }
        // One source for the peer's server: its stack's outputs, or config (never both: which would win?).
        if (stackReference !== undefined && peer.database !== undefined) {
            throw new ValidationError(`${path}.database`, "given together with stackReference", "either stackReference (the peer's outputs) or database and graphqlUrl");
        }
        if (stackReference === undefined) {
            for (const [field, given] of [["database", peer.database], ["graphqlUrl", graphqlUrl]] as const) {
                if (given === undefined) throw new ValidationError(`${path}.${field}`, "missing: a peer without stackReference needs database and graphqlUrl", "a stackReference, or database and graphqlUrl");
            }
        }
        const database = peer.database === undefined ? undefined : readPeerDatabase(`${path}.database`, peer.database);
        const zone = assertZone(`${path}.zone`, peer.zone);
        return { stack: peerStack, zone, ...readPeerPlacement(path, zone, peer), stackReference, graphqlUrl, database };
    });
    peers.forEach((peer, i) => {
        if (peers.findIndex((p) => p.stack === peer.stack) !== i) {
            throw new ValidationError(`${src.key("peers")}[${i}].stack`, `duplicate peer "${peer.stack}"`, "each peer once");
        }
    });
    return peers;
}

/** A peer's declared cloud, region (in its zone) and tables (aggregates only): what its stack's outputs are checked against. */
function readPeerPlacement(path: string, zone: Zone, peer: Record<string, unknown>): Pick<PeerConfig, "cloud" | "region" | "tables"> {
    const cloud = peer.cloud === undefined ? undefined : readChoice(`${path}.cloud`, peer.cloud, CLOUDS);
    let region: string | undefined;
    if (peer.region !== undefined) {
        const given = readString(`${path}.region`, peer.region);
        if (cloud === undefined) throw new ValidationError(`${path}.cloud`, "missing: a peer's region is read as the region of its cloud", oneOf(CLOUDS));
        region = cloud === "azure" ? normaliseAzureLocation(given) : given;
        if (cloud === "aws") assertAwsRegion(`${path}.region`, zone, region);
        else assertAzureLocation(`${path}.region`, zone, region);
    }
    let tables: string[] | undefined;
    if (peer.tables !== undefined) {
        tables = readArray(`${path}.tables`, peer.tables).map((t, j) => readString(`${path}.tables[${j}]`, t));
        const aggregates = tablesOfClass("aggregate");
        if (tables.length === 0) throw new ValidationError(`${path}.tables`, "empty: a peer shares at least one table", aggregates.join(", "));
        tables.forEach((table, j) => {
            if (!aggregates.includes(table)) throw new SovereigntyError(`${path}.tables[${j}]`, `"${table}" is not an aggregate table: only aggregates are shared between regions`, aggregates.join(", "));
        });
        assertUnique(`${path}.tables`, tables);
    }
    return { ...(cloud ? { cloud } : {}), ...(region ? { region } : {}), ...(tables ? { tables } : {}) };
}

function readPeerDatabase(path: string, value: unknown): PeerDatabaseConfig {
    const db = readObject(path, value, ["host", "port", "database", "user", "password", "publication"]);
    const host = readString(`${path}.host`, db.host).toLowerCase();
    if (!HOSTNAME_PATTERN.test(host)) throw new ValidationError(`${path}.host`, `${describe(host)} is not a DNS name`, 'a DNS name such as "eu-central-db.internal.example.com"');
    const user = readString(`${path}.user`, db.user);
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(user)) throw new ValidationError(`${path}.user`, `${describe(user)} is not a PostgreSQL role name`, "lower-case letters, digits and _");
    const identifier = (key: "database" | "publication"): string | undefined => {
        if (db[key] === undefined) return undefined;
        const given = readString(`${path}.${key}`, db[key]);
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(given)) throw new ValidationError(`${path}.${key}`, `${describe(given)} is not a PostgreSQL identifier`, "lower-case letters, digits and _");
        return given;
    };
    return {
        host,
        port: db.port === undefined ? 5432 : readInteger(`${path}.port`, db.port, 1, 65535),
        database: identifier("database"),
        user,
        password: readString(`${path}.password`, db.password),
        publication: identifier("publication"),
    };
}

function readPublicHostname(src: ConfigSource): string {
    const publicHostname = (src.get("publicHostname") ?? "").trim().toLowerCase();
    if (!HOSTNAME_PATTERN.test(publicHostname)) {
        throw new ValidationError(
            src.key("publicHostname"),
            publicHostname === "" ? "missing: the region's public DNS name (a regional stack serves it, an edge stack reports to it)" : `${describe(publicHostname)} is not a DNS name`,
            'a DNS name such as "us-east.agogsaas.example.com"',
        );
    }
    return publicHostname;
}

/**
 * Sizing is only parsed here; its ranges (per cloud: node counts, Azure storage sizes, retention)
 * are RegionalCluster's rules, checked when the regional stack plans its components.
 */
function readSizing(src: ConfigSource): { cluster: ClusterSizing; database: DatabaseSizing } {
    const integer = (name: keyof typeof DEFAULTS) => readInteger(src.key(name), src.getOrDefault(name), 0, 1_000_000);
    return {
        cluster: {
            kubernetesVersion: src.getOrDefault("kubernetesVersion"),
            nodeSize: src.getOrDefault("nodeSize").trim() || undefined,
            nodeCount: integer("nodeCount"),
            nodeMaxCount: integer("nodeMaxCount"),
        },
        database: {
            sku: src.getOrDefault("databaseSku").trim() || undefined,
            storageGb: integer("databaseStorageGb"),
            backupRetentionDays: integer("databaseBackupRetentionDays"),
            standbyRegion: src.getOrDefault("databaseStandbyRegion").trim() || undefined,
        },
    };
}

/**
 * Validates the whole configuration of `stack`: raw is what the Pulumi CLI hands the program
 * (fully qualified keys, string values, lists and maps as JSON). Throws ValidationError /
 * SovereigntyError naming the first key at fault. Pure: no Pulumi runtime needed.
 */
export function parseStackConfig(raw: RawConfig, stack: string, project = PROJECT): StackConfig {
    const src = configSource(raw, stack, project);
    assertKnownKeys(src);
    const tier = readChoice(src.key("tier"), src.getOrDefault("tier"), TIERS);
    const environment = readChoice(src.key("environment"), src.getOrDefault("environment"), ENVIRONMENTS);
    const { zone, cloud, region } = readPlacement(src, tier);
    const activeColor = readChoice(src.key("activeColor"), src.getOrDefault("activeColor"), COLORS);
    // An edge stack runs no regional app: versions are optional there.
    const versions = tier === "edge" && src.get("versions") === undefined
        ? { backend: {}, frontend: {} }
        : readVersions(src, environment, activeColor);
    const images = readImages(src);
    const tenants = readTenants(src);
    const edgeDeployment = readChoice(src.key("edgeDeployment"), src.getOrDefault("edgeDeployment"), EDGE_DEPLOYMENTS);
    const facilities = readFacilities(src, zone, environment, tenants, edgeDeployment);
    const peers = readPeers(src);
    const publicHostname = readPublicHostname(src);
    const { cluster, database } = readSizing(src);

    if (tier === "edge" && facilities.length !== 1) {
        throw new ValidationError(src.key("facilities"), `an edge stack deploys exactly one facility, found ${facilities.length}`, "a list with one facility");
    }

    return {
        project, stack, tier, environment, zone, cloud, region, activeColor, versions, images,
        publicHostname, cluster, database, edgeDeployment, tenants, facilities, peers,
    };
}

/**
 * The placement (zone, cloud, region) and the peers of a stack that is not a regional stack but
 * plays one (the local tier's region parts): the same readers and checks as {@link parseStackConfig}.
 */
export function parsePlacementAndPeers(raw: RawConfig, stack: string, project = PROJECT): Pick<StackConfig, "zone" | "cloud" | "region" | "peers"> {
    const src = configSource(raw, stack, project);
    return { ...readPlacement(src, "edge"), peers: readPeers(src) };
}

/** Reads and validates the running stack's config (call before creating any resource). */
export function loadStackConfig(): StackConfig {
    return parseStackConfig(pulumi.runtime.allConfig(), pulumi.getStack(), pulumi.getProject());
}
