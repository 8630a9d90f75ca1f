/**
 * The `local` tier's config (stacks/local.ts): every bad value is refused naming the key and what
 * is allowed, before anything is registered; the stack file shipped parses.
 */
import * as assert from "assert";
import { ValidationError } from "../components/errors";
import { LOCAL_PASSWORD_ENV, localPassword, parseLocalConfig } from "../stacks/local";
import { localConfigOf } from "../tools/engine/local-stack";

const PORTS = { edge_la: 54710, edge_fra: 54711, us_east: 54712, eu_central: 54713 };
const raw = (extra: Record<string, unknown> = {}) => Object.fromEntries(Object.entries({ tier: "local", localServers: PORTS, ...extra })
    .map(([k, v]) => [`agogsaas:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));

function refuses(config: Record<string, string>, field: string, problem: RegExp): void {
    assert.throws(() => parseLocalConfig(config), (error: unknown) =>
        error instanceof ValidationError && error.field === field && problem.test(error.message), `${field} ${problem}`);
}

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

    it("names the environment variable when the servers' password is missing", () => {
        assert.throws(() => localPassword({}), (error: unknown) => error instanceof ValidationError && error.field === LOCAL_PASSWORD_ENV);
        assert.strictEqual(localPassword({ [LOCAL_PASSWORD_ENV]: "p" }), "p");
    });
});
