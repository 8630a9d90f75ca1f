/**
 * Where a resource lives, AWS and Azure side by side: the resource's own setting (AWS v7
 * per-resource `region`, Azure `location`) or else its provider's (`aws:region`,
 * `azure-native:location`; the engine hands policies the default provider too).
 */
import { Zone, isGlobalAwsType, normaliseAzureLocation, zoneOfAwsRegion, zoneOfAzureLocation } from "../../components/shared/sovereignty";
import { Props, asString, packageOf } from "./props";

/** What placement needs of the engine's args (resource args and stack resources alike). */
export interface PlacedResource {
    type: string;
    props: Props;
    provider?: { type: string; props: Props };
}

export type Cloud = "aws" | "azure";

export interface Placement {
    cloud: Cloud;
    /** The AWS region or the Azure location (normalised), as configured. */
    where: string;
    /** Where the value came from, for messages. */
    source: "resource" | "provider";
    /** The zone that place belongs to, or undefined when none allows it. */
    zone: Zone | undefined;
}

interface CloudRules {
    /** Package of the provider (`aws`, `azure-native`). */
    readonly pkg: string;
    /** Property naming the place, on the resource and on the provider. */
    readonly key: string;
    readonly normalise: (where: string) => string;
    readonly zoneOf: (where: string) => Zone | undefined;
    /** Global services are exempt: they have no region (AWS IAM, Route 53...) or sit in Azure `global`. */
    readonly isGlobal: (type: string, where: string | undefined) => boolean;
}

export const CLOUDS: Readonly<Record<Cloud, CloudRules>> = {
    aws: {
        pkg: "aws",
        key: "region",
        normalise: (where) => where,
        zoneOf: zoneOfAwsRegion,
        isGlobal: (type) => isGlobalAwsType(type),
    },
    azure: {
        pkg: "azure-native",
        key: "location",
        normalise: normaliseAzureLocation,
        zoneOf: zoneOfAzureLocation,
        isGlobal: (_type, where) => where === "global",
    },
};

export function cloudOf(type: string): Cloud | undefined {
    const pkg = packageOf(type);
    return (Object.keys(CLOUDS) as Cloud[]).find((cloud) => CLOUDS[cloud].pkg === pkg);
}

/**
 * The placement of a resource, or undefined when it has none to check: not a cloud resource, a
 * global service, or no place set anywhere (Azure children inherit their resource group's).
 * Reading an unknown value throws the SDK's UnknownValueError (see props.ts).
 */
export function placementOf(resource: PlacedResource): Placement | undefined {
    const cloud = cloudOf(resource.type);
    if (cloud === undefined) return undefined;
    const rules = CLOUDS[cloud];
    const own = asString(resource.props[rules.key]);
    const fromProvider = resource.type.startsWith("pulumi:providers:") ? undefined : asString(resource.provider?.props?.[rules.key]);
    const raw = own ?? fromProvider;
    const where = raw === undefined ? undefined : rules.normalise(raw);
    if (rules.isGlobal(resource.type, where) || where === undefined) return undefined;
    return { cloud, where, source: own !== undefined ? "resource" : "provider", zone: rules.zoneOf(where) };
}

/** The zone of an AWS region or Azure location named in a property (snapshot copies, replicas). */
export function zoneOfPlace(cloud: Cloud, where: string): Zone | undefined {
    return CLOUDS[cloud].zoneOf(CLOUDS[cloud].normalise(where));
}
