/**
 * A facility's site (components/edge-site/site.ts): address with the country checked against the zone
 * (sovereignty), factory network, VPN, IT contact. Every bad value is refused naming its field;
 * regional stacks (`facilities[i].site`) and the local tier (`localSites`) use the same rules, and
 * a local site joins its region's mesh (mock runtime: what would be registered, not a deployment).
 */
import * as assert from "assert";
import { SovereigntyError, ValidationError } from "../components/shared/errors";
import { assertDisjointSubnets, validateSiteDetails } from "../components/edge-site/site";
import { ZONE_COUNTRIES, assertFacilityCountry, zoneOfCountry } from "../components/shared/sovereignty";
import { LOCAL_PASSWORD_ENV, parseLocalConfig } from "../stacks/local";
import { parseLocalPartConfig } from "../stacks/local-parts";
import { LOCAL_SITE_SLOTS, siteNodeName } from "../stacks/local-sites";
import { runStack } from "../stacks/program";
import { parseStackConfig } from "../stacks/config";
import { REDACTED, SynthError, synthesize } from "../tools/synth/mock-runtime";
import { configOf, editObject } from "./support/stack-config";

export const SEATTLE = {
    address: { street: "1201 Alaskan Way", city: "Seattle", postalCode: "98101", country: "US" },
    network: { subnet: "10.42.0.0/24" },
    vpn: { type: "wireguard" },
    itContact: { name: "Dana Ito", email: "dana.ito@acme.example", phone: "+1 (206) 555-0142" },
};

type Site = typeof SEATTLE;
const edit = (change: (site: Site) => void): Site => {
    const site = JSON.parse(JSON.stringify(SEATTLE)) as Site;
    change(site);
    return site;
};

function refuses(read: () => unknown, field: string, problem: RegExp, errorClass: typeof ValidationError = ValidationError): void {
    assert.throws(read, (error: unknown) => {
        assert.ok(error instanceof errorClass, `expected a ${errorClass.name}, got ${String(error)}`);
        assert.strictEqual((error as ValidationError).field, field);
        assert.match((error as Error).message, problem);
        return true;
    });
}

describe("edge site details: address, network, VPN, IT contact", () => {
    it("reads a good site, trimming text and normalising the phone number", () => {
        const site = validateSiteDetails("site", "us", edit((s) => { s.address.city = "  Seattle "; }));
        assert.deepStrictEqual(site, { ...SEATTLE, address: { ...SEATTLE.address, city: "Seattle" }, itContact: { ...SEATTLE.itContact, phone: "+12065550142" } });
    });

    it("places each country in one zone; the EU zone is EU/EEA only", () => {
        assert.strictEqual(zoneOfCountry("US"), "us");
        assert.strictEqual(zoneOfCountry("DE"), "eu");
        assert.strictEqual(zoneOfCountry("NO"), "eu");
        assert.strictEqual(zoneOfCountry("JP"), "apac");
        assert.strictEqual(zoneOfCountry("GB"), undefined);
        assert.strictEqual(zoneOfCountry("CH"), undefined);
        const all = Object.values(ZONE_COUNTRIES).flat();
        assert.strictEqual(new Set(all).size, all.length, "no country in two zones");
    });

    it("refuses a country of another zone, of no zone, or not a country code, as sovereignty errors where data would leave its zone", () => {
        refuses(() => validateSiteDetails("site", "us", edit((s) => { s.address.country = "DE"; })), "site.address.country",
            /^site\.address\.country: a facility in DE belongs to zone "eu" \(European Union \/ EEA \(GDPR\)\) and cannot report to a region of zone "us": its operational data would leave its zone\. Allowed: a country of zone "us" \(US, PR/, SovereigntyError);
        refuses(() => assertFacilityCountry("country", "eu", "GB"), "country", /no sovereignty zone holds data of facilities in GB/, SovereigntyError);
        refuses(() => assertFacilityCountry("country", "eu", "Germany"), "country", /"Germany" is not an ISO 3166-1 alpha-2 country code/);
        assert.throws(() => assertFacilityCountry("country", "eu", "Germany"), (e: unknown) => !(e instanceof SovereigntyError), "a typo is not a sovereignty error");
    });

    it("refuses every bad part, naming its field and what is allowed", () => {
        const cases: [(s: Site) => void, string, RegExp][] = [
            [(s) => { s.address.street = "x"; }, "site.address.street", /must be 2-200 characters, got 1/],
            [(s) => { s.address.postalCode = "98101!"; }, "site.address.postalCode", /not valid\. Allowed: letters, digits, spaces and hyphens/],
            [(s) => { (s.address as Record<string, unknown>).state = "WA"; }, "site.address.state", /unknown field\. Allowed: "street", "city", "postalCode" or "country"/],
            [(s) => { s.network.subnet = "10.42.0/24"; }, "site.network.subnet", /"10\.42\.0\/24" is not an IPv4 CIDR\. Allowed: a private IPv4 CIDR/],
            [(s) => { s.network.subnet = "10.42.0.300/24"; }, "site.network.subnet", /is not an IPv4 CIDR/],
            [(s) => { s.network.subnet = "8.8.8.0/24"; }, "site.network.subnet", /8\.8\.8\.0\/24 is not a private network/],
            [(s) => { s.network.subnet = "172.32.0.0/24"; }, "site.network.subnet", /is not a private network/],
            [(s) => { s.network.subnet = "10.42.0.1/24"; }, "site.network.subnet", /has host bits set/],
            [(s) => { s.network.subnet = "10.0.0.0/8"; }, "site.network.subnet", /prefix \/8 is outside \/16 to \/29/],
            [(s) => { s.vpn.type = "pptp"; }, "site.vpn.type", /"pptp" is not a VPN type\. Allowed: "wireguard" or "ipsec"/],
            [(s) => { s.itContact.email = "dana at acme"; }, "site.itContact.email", /is not valid\. Allowed: an e-mail address/],
            [(s) => { s.itContact.phone = "555-0142"; }, "site.itContact.phone", /Allowed: E\.164/],
            [(s) => { s.itContact.name = ""; }, "site.itContact.name", /must be 2-100 characters, got 0/],
        ];
        for (const [change, field, problem] of cases) refuses(() => validateSiteDetails("site", "us", edit(change)), field, problem);
        const edges: [(s: Site) => void, string, RegExp][] = [
            [(s) => { s.network.subnet = "192.169.0.0/16"; }, "site.network.subnet", /is not a private network/],
            [(s) => { s.network.subnet = "10.42.0.0/30"; }, "site.network.subnet", /prefix \/30 is outside/],
            [(s) => { s.itContact.phone = "+1206555014212345"; }, "site.itContact.phone", /must be 8-16 characters, got 17/],
            [(s) => { s.itContact.phone = "+0206555014"; }, "site.itContact.phone", /Allowed: E\.164/],
        ];
        for (const [change, field, problem] of edges) refuses(() => validateSiteDetails("site", "us", edit(change)), field, problem);
        for (const subnet of ["172.31.255.0/24", "192.168.0.0/16", "10.255.255.248/29", "172.16.0.0/16"]) {
            assert.strictEqual(validateSiteDetails("site", "us", edit((s) => { s.network.subnet = subnet; })).network.subnet, subnet);
        }
    });

    it("never quotes an e-mail or phone number in a message (messages reach logs and pages)", () => {
        for (const [change, secret] of [[(s: Site) => { s.itContact.email = "dana at acme.example"; }, "dana at acme"], [(s: Site) => { s.itContact.phone = "+0 301 555 0199"; }, "3015550199"]] as const) {
            assert.throws(() => validateSiteDetails("site", "us", edit(change)), (e: unknown) => e instanceof ValidationError && !e.message.includes(secret) && /is not valid/.test(e.message));
        }
        refuses(() => validateSiteDetails("site", "us", { ...SEATTLE, vpn: undefined }), "site.vpn", /must be an object/);
        refuses(() => validateSiteDetails("site", "us", "Seattle"), "site", /must be an object/);
    });

    it("refuses overlapping subnets, naming the later site and the one it overlaps", () => {
        assertDisjointSubnets([{ field: "a", subnet: "10.42.0.0/24" }, { field: "b", subnet: "10.42.1.0/24" }]);
        refuses(() => assertDisjointSubnets([{ field: "a", subnet: "10.42.0.0/16" }, { field: "b", subnet: "10.42.7.0/24" }]), "b",
            /10\.42\.7\.0\/24 overlaps 10\.42\.0\.0\/16 \(a\)/);
    });
});

describe("a facility's site in a regional stack", () => {
    it("a good site is read with the facility, and the stack synthesizes", async () => {
        const config = configOf("us-east", (c) => editObject<Record<string, unknown>[]>(c, "agogsaas:facilities", (f) => { f[0].site = SEATTLE; }));
        assert.deepStrictEqual(parseStackConfig(config, "us-east", "agogsaas").facilities[0].site, validateSiteDetails("s", "us", SEATTLE));
        const result = await synthesize({ project: "agogsaas", stack: "us-east", config, program: runStack });
        assert.ok(result.resources.length > 0);
    });

    it("a site in another zone's country fails the program before anything is registered", async () => {
        const config = configOf("us-east", (c) => editObject<Record<string, unknown>[]>(c, "agogsaas:facilities", (f) => { f[0].site = edit((s) => { s.address.country = "FR"; }); }));
        await assert.rejects(synthesize({ project: "agogsaas", stack: "us-east", config, program: runStack }), (err: unknown) => {
            assert.ok(err instanceof SynthError);
            assert.match(err.message, /^agogsaas:facilities\[0\]\.site\.address\.country: a facility in FR belongs to zone "eu"/);
            assert.ok(err.cause instanceof SovereigntyError);
            assert.deepStrictEqual(err.partial.resources, []);
            return true;
        });
    });
});

const PORTS = { edge_la: 54710, edge_fra: 54711, us_east: 54712, eu_central: 54713 };
const localRaw = (sites: unknown[], extra: Record<string, unknown> = {}) => Object.fromEntries(Object.entries({ tier: "local", localServers: PORTS, localSites: sites, ...extra })
    .map(([k, v]) => [`agogsaas:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
const seattle = { id: "facility-sea-001", name: "Acme Metalworks Seattle", region: "us-east", size: "medium", port: 54720, site: SEATTLE };
const lyon = { id: "facility-lyon-001", name: "Acme Lyon", region: "eu-central", size: "small", port: 54721,
    site: { ...SEATTLE, address: { street: "1 Quai Perrache", city: "Lyon", postalCode: "69002", country: "FR" }, network: { subnet: "10.43.0.0/24" } } };

describe("local sites (agogsaas:localSites)", () => {
    it("reads sites and names their mesh nodes", () => {
        const { sites } = parseLocalConfig(localRaw([seattle, lyon]));
        assert.deepStrictEqual(sites.map((s) => [s.id, s.zone, siteNodeName(s.id)]), [["facility-sea-001", "us", "site_sea_001"], ["facility-lyon-001", "eu", "site_lyon_001"]]);
        assert.deepStrictEqual(parseLocalConfig(localRaw([])).sites, []);
    });

    it("refuses a site whose country contradicts its region, and every clash with the rest of the stack", () => {
        const at = "agogsaas:localSites";
        refuses(() => parseLocalConfig(localRaw([{ ...seattle, region: "eu-central" }])), `${at}[0].site.address.country`, /a facility in US belongs to zone "us".*region of zone "eu"/, SovereigntyError);
        refuses(() => parseLocalConfig(localRaw([{ ...seattle, region: "apac" }])), `${at}[0].region`, /Allowed: "us-east" or "eu-central"/);
        refuses(() => parseLocalConfig(localRaw([{ ...seattle, id: "facility-la-001" }])), `${at}[0].id`, /facility-la-001 is already a facility of this stack/);
        refuses(() => parseLocalConfig(localRaw([{ ...seattle, id: "sea" }])), `${at}[0].id`, /not a valid facility id/);
        refuses(() => parseLocalConfig(localRaw([{ ...seattle, port: PORTS.us_east }])), `${at}[0].port`, /port 54712 is already the port of us_east/);
        refuses(() => parseLocalConfig(localRaw([{ ...seattle, size: "huge" }])), `${at}[0].size`, /Allowed: "small", "medium" or "large"/);
        refuses(() => parseLocalConfig(localRaw([{ ...seattle, rack: 3 }])), `${at}[0].rack`, /unknown field/);
        refuses(() => parseLocalConfig(localRaw([seattle, { ...lyon, id: seattle.id }])), `${at}[1].id`, /duplicate id "facility-sea-001"/);
        refuses(() => parseLocalConfig(localRaw([seattle, { ...lyon, region: "us-east", site: { ...SEATTLE, network: { subnet: "10.42.0.128/25" } } }])),
            `${at}[1].site.network.subnet`, /overlaps 10\.42\.0\.0\/24/);
        const full = Array.from({ length: LOCAL_SITE_SLOTS + 1 }, (_, i) => ({ ...seattle, id: `facility-sea-00${i + 1}`, port: 54720 + i, site: { ...SEATTLE, network: { subnet: `10.42.${i}.0/24` } } }));
        refuses(() => parseLocalConfig(localRaw(full)), at, new RegExp(`${LOCAL_SITE_SLOTS + 1} sites report to us-east, whose server was started with replication capacity for ${LOCAL_SITE_SLOTS}`));
        const part = localRaw([seattle], { localPart: "us-east", zone: "us", cloud: "aws", region: "us-east-1", publicHostname: "us-east.localhost" });
        refuses(() => parseLocalPartConfig(part, parseLocalConfig(part)), `${at}`, /sites join the whole local picture/);
    });

    it("joins the site to its region's mesh: its database, both flows, and the IT contact only as a secret output", async () => {
        process.env[LOCAL_PASSWORD_ENV] ??= "mock-runtime-only";
        const result = await synthesize({ project: "agogsaas", stack: "local", config: localRaw([seattle], { zone: "us", cloud: "aws", region: "us-east-1", publicHostname: "us-east.localhost" }), program: runStack });
        const names = result.resources.map((r) => r.name);
        assert.ok(names.includes("local-site_sea_001-db"), "the site's factory database");
        for (const flow of ["mesh_site_sea_001_to_us_east_blue", "mesh_us_east_blue_to_site_sea_001"]) {
            assert.ok(names.some((n) => n.includes(flow)), `${flow} in ${names.filter((n) => n.includes("site_sea")).join(", ")}`);
        }
        const sub = result.resources.find((r) => r.name.includes("mesh_site_sea_001_to_us_east_blue") && r.name.endsWith("-sub"));
        assert.ok(sub, "the region's subscription to the site");
        const sites = result.outputs.sites as Record<string, Record<string, unknown>>;
        assert.deepStrictEqual({ ...sites["facility-sea-001"], itContact: undefined }, {
            node: "site_sea_001", name: "Acme Metalworks Seattle", region: "us-east", zone: "us", size: "medium",
            city: "Seattle", country: "US", subnet: "10.42.0.0/24", vpn: "wireguard", itContact: undefined,
        });
        assert.strictEqual(sites["facility-sea-001"].itContact, REDACTED);
        assert.ok(result.secretOutputs.some((p) => p.startsWith("sites.facility-sea-001.itContact")), result.secretOutputs.join(", "));
        assert.ok(!JSON.stringify(result).includes("dana.ito@acme.example"), "the e-mail appears nowhere in the synth");
    });
});
