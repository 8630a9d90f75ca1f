/**
 * Where an edge computer stands and how it is reached: the facility's address (its country decides
 * the sovereignty zone), the factory network it joins, the VPN back to the region and the IT
 * contact who receives the hardware. What a customer gives when requesting a new edge
 * (docs/selfservice.md); stacks carry it as `site` of a facility.
 *
 * Each part has a validator of its own, so a form can report every field at once; the messages
 * name the field and what is allowed, as everywhere in the library.
 */
import { ValidationError, oneOf } from "../shared/errors";
import { Zone, assertFacilityCountry } from "../shared/sovereignty";

export const VPN_TYPES = ["wireguard", "ipsec"] as const;
export type VpnType = (typeof VPN_TYPES)[number];

export interface SiteAddress {
    /** Street and number, 2-200 characters. Required. */
    street: string;
    /** City, 2-100 characters. Required. */
    city: string;
    /** Postal code: 2-12 letters, digits, spaces or hyphens. Required. */
    postalCode: string;
    /** ISO 3166-1 alpha-2 country code; must be a country of the stack's zone (sovereignty). Required. */
    country: string;
}

export interface SiteNetwork {
    /** The factory subnet the edge computer joins: a private IPv4 CIDR (RFC 1918), prefix /16 to /29. Required. */
    subnet: string;
}

export interface SiteVpn {
    /** The tunnel to the region: "wireguard" or "ipsec". Required. */
    type: VpnType;
}

export interface SiteContact {
    /** Full name, 2-100 characters. Required. */
    name: string;
    /** E-mail address (personal data: set it with `pulumi config set --secret --path`; messages never quote it). Required. */
    email: string;
    /** Phone number in E.164 form, e.g. "+12065550142" (personal data, like the e-mail). Required. */
    phone: string;
}

/** A facility's site: every part required. */
export interface EdgeSiteDetails {
    /** Postal address; its country must lie in the facility's zone. */
    address: SiteAddress;
    /** The factory network. */
    network: SiteNetwork;
    /** The VPN to the region. */
    vpn: SiteVpn;
    /** Who on site takes the hardware and answers for the network. */
    itContact: SiteContact;
}

function objectWith(field: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ValidationError(field, `must be an object, got ${JSON.stringify(value)}`, `an object with ${oneOf(keys).replace(" or ", " and ")}`);
    const unknown = Object.keys(value).find((key) => !keys.includes(key));
    if (unknown !== undefined) throw new ValidationError(`${field}.${unknown}`, "unknown field", oneOf(keys));
    return value as Record<string, unknown>;
}

/** A trimmed string of `min`-`max` characters matching `pattern`; `personal`: the message never quotes the value (it may land in logs). */
function text(field: string, value: unknown, min: number, max: number, pattern?: RegExp, allowed?: string, personal = false): string {
    const trimmed = typeof value === "string" ? value.trim() : value;
    if (typeof trimmed !== "string" || trimmed.length < min || trimmed.length > max) {
        throw new ValidationError(field, `must be ${min}-${max} characters, got ${typeof trimmed === "string" ? trimmed.length : personal ? typeof value : JSON.stringify(value)}`, allowed);
    }
    if (pattern && !pattern.test(trimmed)) throw new ValidationError(field, personal ? "is not valid" : `${JSON.stringify(trimmed)} is not valid`, allowed);
    return trimmed;
}

const PHONE_ALLOWED = "E.164: \"+\", country code and number, 7-15 digits, e.g. \"+12065550142\"";

/**
 * The rule of each leaf of a site, by its path in {@link EdgeSiteDetails} (`address.country`):
 * what the part validators below apply, and what a form checks field by field.
 */
export const SITE_LEAF_RULES = {
    "address.street": (field: string, value: unknown) => text(field, value, 2, 200),
    "address.city": (field: string, value: unknown) => text(field, value, 2, 100),
    "address.postalCode": (field: string, value: unknown) => text(field, value, 2, 12, /^[A-Za-z0-9][A-Za-z0-9 -]*$/, "letters, digits, spaces and hyphens"),
    "address.country": (field: string, value: unknown, zone: Zone) => assertFacilityCountry(field, zone, value),
    "network.subnet": (field: string, value: unknown) => readSubnet(field, value),
    "vpn.type": (field: string, value: unknown): VpnType => {
        if (!(VPN_TYPES as readonly unknown[]).includes(value)) throw new ValidationError(field, `${JSON.stringify(value)} is not a VPN type`, oneOf(VPN_TYPES));
        return value as VpnType;
    },
    "itContact.name": (field: string, value: unknown) => text(field, value, 2, 100),
    "itContact.email": (field: string, value: unknown) => text(field, value, 3, 254, /^[^\s@]+@[^\s@]+\.[^\s@]+$/, "an e-mail address, e.g. \"it@example.com\"", true),
    // Spaces, brackets and hyphens people type are dropped: "+1 (206) 555-0142" is "+12065550142".
    "itContact.phone": (field: string, value: unknown) => text(field, typeof value === "string" ? value.replace(/[\s()-]/g, "") : value, 8, 16, /^\+[1-9][0-9]{6,14}$/, PHONE_ALLOWED, true),
} as const satisfies Record<string, (field: string, value: unknown, zone: Zone) => string>;
export type SiteLeaf = keyof typeof SITE_LEAF_RULES;

/** Reads the leaves of one part (`address`, `network`, ...) with their rules. */
function part<T>(field: string, value: unknown, name: string, zone: Zone): T {
    const leaves = (Object.keys(SITE_LEAF_RULES) as SiteLeaf[]).filter((leaf) => leaf.startsWith(`${name}.`));
    const raw = objectWith(field, value, leaves.map((leaf) => leaf.slice(name.length + 1)));
    return Object.fromEntries(leaves.map((leaf) => {
        const key = leaf.slice(name.length + 1);
        return [key, SITE_LEAF_RULES[leaf](`${field}.${key}`, raw[key], zone)];
    })) as T;
}

export function validateSiteAddress(field: string, zone: Zone, value: unknown): SiteAddress {
    return part<SiteAddress>(field, value, "address", zone);
}

/** The RFC 1918 ranges: [first address, prefix]. */
const PRIVATE_RANGES: readonly [number, number][] = [[ipv4("10.0.0.0")!, 8], [ipv4("172.16.0.0")!, 12], [ipv4("192.168.0.0")!, 16]];
const SUBNET_ALLOWED = "a private IPv4 CIDR (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) with a prefix from /16 to /29, e.g. \"10.42.0.0/24\"";

function ipv4(address: string): number | undefined {
    const parts = address.split(".");
    if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)) return undefined;
    return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** First address and size of a CIDR already checked by readSubnet. */
function rangeOf(subnet: string): { first: number; size: number } {
    const [address, prefix] = subnet.split("/");
    return { first: ipv4(address)!, size: 2 ** (32 - Number(prefix)) };
}

function readSubnet(at: string, value: unknown): string {
    const subnet = typeof value === "string" ? value.trim() : value;
    const match = typeof subnet === "string" ? /^([0-9.]+)\/([0-9]{1,2})$/.exec(subnet) : null;
    const first = match ? ipv4(match[1]) : undefined;
    if (!match || first === undefined) throw new ValidationError(at, `${JSON.stringify(subnet)} is not an IPv4 CIDR`, SUBNET_ALLOWED);
    const prefix = Number(match[2]);
    if (prefix < 16 || prefix > 29) throw new ValidationError(at, `prefix /${prefix} is outside /16 to /29`, SUBNET_ALLOWED);
    if (first % 2 ** (32 - prefix) !== 0) throw new ValidationError(at, `${subnet} has host bits set: the network address of a /${prefix} ends in zero bits`, SUBNET_ALLOWED);
    if (!PRIVATE_RANGES.some(([start, p]) => Math.floor(first / 2 ** (32 - p)) === Math.floor(start / 2 ** (32 - p)) && prefix >= p)) {
        throw new ValidationError(at, `${subnet} is not a private network: an edge computer is never reachable from the internet`, SUBNET_ALLOWED);
    }
    return subnet as string;
}

export function validateSiteNetwork(field: string, value: unknown): SiteNetwork {
    // The zone plays no part in a network.
    return part<SiteNetwork>(field, value, "network", "us");
}

/** Throws naming the later of two sites whose subnets overlap (the VPN could not route both). */
export function assertDisjointSubnets(sites: readonly { field: string; subnet: string }[]): void {
    sites.forEach((site, i) => {
        const a = rangeOf(site.subnet);
        const clash = sites.slice(0, i).find((other) => {
            const b = rangeOf(other.subnet);
            return a.first < b.first + b.size && b.first < a.first + a.size;
        });
        if (clash) throw new ValidationError(site.field, `${site.subnet} overlaps ${clash.subnet} (${clash.field}): the VPN routes each site's subnet to one place`, "a subnet no other site uses");
    });
}

export function validateSiteVpn(field: string, value: unknown): SiteVpn {
    return part<SiteVpn>(field, value, "vpn", "us");
}

export function validateSiteContact(field: string, value: unknown): SiteContact {
    return part<SiteContact>(field, value, "itContact", "us");
}

/** Validates a whole site (every part required); throws the first ValidationError, naming its field. */
export function validateSiteDetails(field: string, zone: Zone, value: unknown): EdgeSiteDetails {
    const site = objectWith(field, value, ["address", "network", "vpn", "itContact"]);
    return {
        address: validateSiteAddress(`${field}.address`, zone, site.address),
        network: validateSiteNetwork(`${field}.network`, site.network),
        vpn: validateSiteVpn(`${field}.vpn`, site.vpn),
        itContact: validateSiteContact(`${field}.itContact`, site.itContact),
    };
}
