/**
 * The `local` tier's config (stacks/local.ts): every bad value is refused naming the key and what
 * is allowed, before anything is registered; the stack file shipped parses.
 */
import * as assert from "assert";
import { SovereigntyError, ValidationError } from "../components/shared/errors";
import { LOCAL_PASSWORD_ENV, localPassword, parseLocalConfig } from "../stacks/local";
import { parseLocalPartConfig } from "../stacks/local-parts";
import { localConfigOf } from "../tools/engine/local-stack";

const PORTS = { edge_la: 54710, edge_fra: 54711, us_east: 54712, eu_central: 54713 };
const raw = (extra: Record<string, unknown> = {}) => Object.fromEntries(Object.entries({ tier: "local", localServers: PORTS, ...extra })
    .map(([k, v]) => [`agogsaas:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));

function refuses(config: Record<string, string>, field: string, problem: RegExp, parse: (config: Record<string, string>) => unknown = parseLocalConfig): void {
    assert.throws(() => parse(config), (error: unknown) =>
        error instanceof ValidationError && error.field === field && problem.test(error.message), `${field} ${problem}`);
}

/** A part's config: Pulumi.local.yaml's placement (us-east-1), then `extra`. */
const partRaw = (extra: Record<string, unknown> = {}) => raw({ zone: "us", cloud: "aws", region: "us-east-1", publicHostname: "us-east.localhost", ...extra });
const parsePart = (config: Record<string, string>) => parseLocalPartConfig(config, parseLocalConfig(config));
const euPeer = { stack: "eu-central", zone: "eu", stackReference: "organization/agogsaas/local-eu" };

describe("local tier config", () => {
    it("parses Pulumi.local.yaml", () => {
        const config = localConfigOf();
        assert.deepStrictEqual(config.ports, PORTS);
        assert.deepStrictEqual(config.extraFlows, []);
    });

    it("refuses a missing, out-of-range or shared port, and an unknown server", () => {
        refuses(raw({ localServers: { ...PORTS, edge_fra: undefined } }), "agogsaas:localServers.edge_fra", /missing.*Allowed: an integer from 1024 to 65535/);
        refuses(raw({ localServers: { ...PORTS, us_east: 80 } }), "agogsaas:localServers.us_east", /from 1024 to 65535, got 80/);
        refuses(raw({ localServers: { ...PORTS, eu_central: 54710 } }), "agogsaas:localServers.eu_central", /already the port of edge_la/);
        refuses(raw({ localServers: { ...PORTS, apac: 1 } }), "agogsaas:localServers.apac", /unknown field/);
    });

    it("refuses an unknown key, a plain string where a list belongs, an empty facility list and a bad flow", () => {
        refuses(raw({ localServer: PORTS }), "agogsaas:localServer", /not a setting of the local tier.*agogsaas:localServers/);
        refuses(raw({ localAggregateTables: "inventory_snapshots" }), "agogsaas:localAggregateTables", /structured YAML/);
        refuses(raw({ localEdgeFacilities: { edge_la: [] } }), "agogsaas:localEdgeFacilities.edge_la", /at least one facility/);
        refuses(raw({ localExtraFlows: [{ from: "eu_central", to: "us_east_blue", tables: [""] }] }), "agogsaas:localExtraFlows[0].tables[0]", /non-empty string/);
    });

    it("reads a part of the local tier: its placement, peers and edge stack", () => {
        assert.strictEqual(parsePart(partRaw()).part, "all");
        const us = parsePart(partRaw({ localPart: "us-east", peers: [euPeer], localEdgeStack: "organization/agogsaas/local-edge-la" }));
        assert.deepStrictEqual([us.part, us.placement.zone, us.peers.map((p) => p.stack), us.edgeStack], ["us-east", "us", ["eu-central"], "organization/agogsaas/local-edge-la"]);
        const fra = parsePart(partRaw({ localPart: "edge-fra", zone: "eu", cloud: "azure", region: "germanywestcentral" }));
        assert.deepStrictEqual(fra.placement, { zone: "eu", cloud: "azure", region: "germanywestcentral" });
    });

    it("refuses an unknown part, a part in another zone, region settings on the whole tier or an edge, several facilities on an edge", () => {
        refuses(partRaw({ localPart: "apac" }), "agogsaas:localPart", /unknown value "apac".*Allowed: "all", "us-east", "eu-central", "edge-la" or "edge-fra"/, parsePart);
        assert.throws(() => parsePart(partRaw({ localPart: "edge-fra" })), (error: unknown) => error instanceof SovereigntyError && error.field === "agogsaas:zone"
            && /is "us" but agogsaas:localPart "edge-fra" holds data of zone "eu"\. Allowed: "eu"/.test(error.message));
        refuses(partRaw({ peers: [euPeer] }), "agogsaas:peers", /a setting of a region part, and agogsaas:localPart is "all"/, parsePart);
        refuses(partRaw({ localEdgeStack: "organization/agogsaas/local-edge-la" }), "agogsaas:localEdgeStack", /region part/, parsePart);
        refuses(partRaw({ localPart: "edge-la", peers: [euPeer] }), "agogsaas:peers", /"edge-la" is an edge/, parsePart);
        refuses(partRaw({ localPart: "edge-la", localEdgeFacilities: { edge_la: ["facility-la-001", "facility-la-002"] } }), "agogsaas:localEdgeFacilities.edge_la", /one facility, found 2/, parsePart);
        refuses(partRaw({ localPart: "us-east", localEdgeStack: "not a stack" }), "agogsaas:localEdgeStack", /is not a stack reference\. Allowed: "org\/project\/stack"/, parsePart);
        refuses(partRaw({ localPart: "us-east", peers: [{ ...euPeer, stack: "us-east" }] }), "agogsaas:peers[0].stack", /cannot peer with itself/, parsePart);
        refuses(partRaw({ localPart: "us-east", peers: [{ ...euPeer, cloud: "azure", region: "eastus" }] }), "agogsaas:peers[0].region", /"eastus" is outside sovereignty zone "eu"/, parsePart);
    });

    it("names the environment variable when the servers' password is missing", () => {
        assert.throws(() => localPassword({}), (error: unknown) => error instanceof ValidationError && error.field === LOCAL_PASSWORD_ENV);
        assert.strictEqual(localPassword({ [LOCAL_PASSWORD_ENV]: "p" }), "p");
    });
});
