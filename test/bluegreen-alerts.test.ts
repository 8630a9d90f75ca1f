/**
 * blueGreenAlertRules: which alerts a pair gets from its settings, and bad thresholds refused
 * naming the field. Their behaviour under Prometheus is test/monitoring/promtool.test.ts's.
 */
import * as assert from "assert";
import { blueGreenAlertRules } from "../components/blue-green-pair/internal/alerts";
import { resolveBlueGreenArgs } from "../components/blue-green-pair/blue-green-pair";
import { ValidationError } from "../components/shared/errors";

const pair = (green: { version?: string; replicas?: number }) =>
    resolveBlueGreenArgs("backend", { zone: "eu", image: "ghcr.io/agogsaas/backend", activeColor: "blue", colors: { blue: { version: "1.0.0" }, green }, namespace: "apps" });

describe("blueGreenAlertRules", () => {
    it("names the active colour's Deployment, the autoscaling floor, and watches a running standby", () => {
        const rules = blueGreenAlertRules(pair({ version: "1.1.0", replicas: 2 }));
        assert.deepStrictEqual(rules.map((r) => r.alert), ["BlueGreenActiveDown", "BlueGreenActiveDegraded", "BlueGreenStandbyNotReady"]);
        assert.match(rules[0].expr, /deployment="backend-blue"/);
        assert.match(rules[1].expr, /< 3$/, "default autoscaling.minReplicas is 3");
        assert.match(rules[2].expr, /deployment="backend-green"/);
        assert.ok(rules.every((r) => r.labels.app === "backend"));
    });
    it("has no standby alert when the other colour is parked (0 replicas) or empty", () => {
        assert.deepStrictEqual(blueGreenAlertRules(pair({ version: "1.1.0", replicas: 0 })).map((r) => r.alert), ["BlueGreenActiveDown", "BlueGreenActiveDegraded"]);
        assert.deepStrictEqual(blueGreenAlertRules(pair({})).map((r) => r.alert), ["BlueGreenActiveDown", "BlueGreenActiveDegraded"]);
    });
    it("refuses a threshold that is not a Prometheus duration, naming it", () => {
        for (const field of ["downFor", "degradedFor", "standbyFor"] as const) {
            assert.throws(() => blueGreenAlertRules(pair({}), { [field]: "soon" }),
                (err: unknown) => err instanceof ValidationError && new RegExp(`thresholds\\.${field}.*Prometheus duration`).test(err.message));
        }
    });
});
