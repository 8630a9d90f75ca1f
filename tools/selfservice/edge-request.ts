/**
 * The new-edge form of the self-service server: a customer asks for an edge computer at a new
 * facility (name and address, the region it reports to, factory network, VPN, hardware tier, IT
 * contact). Each field of the site is checked by the library's own rule for it
 * (components/edge-site/site.ts, the country against the region's zone), then the whole stack config the
 * request would write goes through `parseLocalConfig`, so the page shows `pulumi up`'s messages.
 * Errors come back by the library's structured `field`, mapped to the form's inputs.
 */
import * as fs from "fs";
import * as YAML from "yaml";
import { ValidationError } from "../../components/shared/errors";
import { SITE_LEAF_RULES, SiteLeaf } from "../../components/edge-site/site";
import type { RawConfig } from "../../stacks/config";
import { parseLocalConfig } from "../../stacks/local";
import { LOCAL_SITE_REGIONS, LocalSite } from "../../stacks/local-sites";
import type { FieldErrors } from "./fallback-request";
import type { StackConfigAccess } from "./stack-config";

const SITES_KEY = "agogsaas:localSites";

/** Each form input and the path of its value in a `localSites` entry. */
export const EDGE_FORM_FIELDS = {
    id: "id", name: "name", region: "region", size: "size",
    street: "site.address.street", city: "site.address.city", postalCode: "site.address.postalCode", country: "site.address.country",
    subnet: "site.network.subnet", vpnType: "site.vpn.type",
    contactName: "site.itContact.name", contactEmail: "site.itContact.email", contactPhone: "site.itContact.phone",
} as const;
export type EdgeFormField = keyof typeof EDGE_FORM_FIELDS;

/** What a request keeps: the site without the contact's personal data (the stack config holds it, encrypted). */
export interface EdgeRequest {
    /** Facility id. */
    id: string;
    /** Facility name. */
    name: string;
    /** The region it reports to. */
    region: LocalSite["region"];
    /** Hardware tier. */
    size: LocalSite["size"];
    /** City of the address. */
    city: string;
    /** Country code of the address. */
    country: string;
    /** Factory subnet. */
    subnet: string;
    /** VPN type. */
    vpn: string;
    /** The IT contact's name (e-mail and phone stay in the config, encrypted). */
    contact: string;
    /** Loopback port of the site's server. */
    port: number;
}

/** The `localSites` entries of a config as the program reads them. */
function sitesOf(raw: RawConfig): unknown[] {
    return raw[SITES_KEY] === undefined ? [] : (JSON.parse(raw[SITES_KEY]!) as unknown[]);
}

/** The form's values as a `localSites` entry (strings as typed; the library trims and checks). */
function entryOf(form: Record<string, unknown>, port: number) {
    const value = (field: EdgeFormField) => String(form[field] ?? "");
    return {
        id: value("id").trim(), name: value("name"), region: value("region"), size: value("size"), port,
        site: {
            address: { street: value("street"), city: value("city"), postalCode: value("postalCode"), country: value("country").trim().toUpperCase() },
            network: { subnet: value("subnet") },
            vpn: { type: value("vpnType") },
            itContact: { name: value("contactName"), email: value("contactEmail"), phone: value("contactPhone") },
        },
    };
}

/**
 * Checks the form against the stack's config (`raw`, as the program reads it) with `port` as the
 * new site's server port; returns the site to add or the errors by form field, changing nothing.
 */
export function parseEdgeForm(form: Record<string, unknown>, raw: RawConfig, port: number): { site?: LocalSite; errors: FieldErrors } {
    const errors: FieldErrors = {};
    const existing = sitesOf(raw);
    const prefix = `${SITES_KEY}[${existing.length}]`;
    const byPath = new Map(Object.entries(EDGE_FORM_FIELDS).map(([input, path]) => [`${prefix}.${path}`, input]));
    const attempt = <T>(read: () => T): T | undefined => {
        try {
            return read();
        } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            // The library names the field; a rule about the whole list (capacity) is shown above the form.
            const input = byPath.get(error.field) ?? "form";
            errors[input] ??= input === "form" ? error.message : error.detail;
            return undefined;
        }
    };
    const entry = entryOf(form, port);
    const region = LOCAL_SITE_REGIONS[entry.region as keyof typeof LOCAL_SITE_REGIONS];
    // Each field of the site on its own, so the page shows every field at fault at once (the country needs a region).
    for (const [input, path] of Object.entries(EDGE_FORM_FIELDS)) {
        if (!path.startsWith("site.") || (input === "country" && !region)) continue;
        const leaf = path.slice("site.".length) as SiteLeaf;
        const value = leaf.split(".").reduce<unknown>((parent, key) => (parent as Record<string, unknown>)[key], entry.site);
        attempt(() => SITE_LEAF_RULES[leaf](`${prefix}.${path}`, value, region?.zone ?? "us"));
    }
    // Then the config this request would write, through the stack's own parser (id, name, region, size, clashes, capacity).
    const checked = attempt(() => parseLocalConfig({ ...raw, [SITES_KEY]: JSON.stringify([...existing, entry]) }));
    if (Object.keys(errors).length > 0 || checked === undefined) return { errors };
    return { site: checked.sites[existing.length], errors };
}

/** The request's record of a site (no e-mail or phone). */
export function edgeRequestOf(site: LocalSite): EdgeRequest {
    return {
        id: site.id, name: site.name, region: site.region, size: site.size, city: site.site.address.city, country: site.site.address.country,
        subnet: site.site.network.subnet, vpn: site.site.vpn.type, contact: site.site.itContact.name, port: site.port,
    };
}

/**
 * Appends the site to the config file's `localSites` (entries already there kept as written,
 * encrypted values included) and sets the IT contact's e-mail and phone as Pulumi secrets.
 */
export async function addSiteToConfigFile(configFile: string, site: LocalSite, stackConfig: StackConfigAccess): Promise<void> {
    const doc = YAML.parseDocument(fs.readFileSync(configFile, "utf8"));
    const sites = doc.getIn(["config", SITES_KEY], true);
    // Anything but a list (e.g. the whole setting stored as one secret) is not edited: nothing may be lost.
    if (sites !== undefined && !YAML.isSeq(sites)) throw new Error(`${SITES_KEY} in ${configFile} is not a YAML list: add the site by hand`);
    const index = YAML.isSeq(sites) ? sites.items.length : 0;
    const { email: _email, phone: _phone, ...contact } = site.site.itContact;
    const entry = { id: site.id, name: site.name, region: site.region, size: site.size, port: site.port, site: { ...site.site, itContact: contact } };
    if (YAML.isSeq(sites)) sites.add(doc.createNode(entry));
    else doc.setIn(["config", SITES_KEY], doc.createNode([entry]));
    fs.writeFileSync(configFile, doc.toString());
    // Personal data: Pulumi secrets in the file, never in the request log.
    for (const [path, value] of [[EDGE_FORM_FIELDS.contactEmail, site.site.itContact.email], [EDGE_FORM_FIELDS.contactPhone, site.site.itContact.phone]]) {
        await stackConfig.setSecret(configFile, `${SITES_KEY}[${index}].${path}`, value);
    }
}
