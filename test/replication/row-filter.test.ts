/**
 * Row filters and SQL rendering, without a database: the audited literal function, identifier
 * validation, and parsing PostgreSQL's rewritten filter text back (the drift comparison).
 */
import * as assert from "assert";
import { assertSqlIdentifier, conninfoValue, sqlLiteral } from "../../components/postgres/sql";
import { normaliseRowFilter, parseRowFilterSql, renderRowFilter } from "../../components/replication/row-filter";
import { parseConninfo, publisherConninfo } from "../../components/replication/providers/subscription";
import { meshAlertRules, meshPrometheusRule, exporterQueries } from "../../components/replication/alerts";

describe("row filters and SQL rendering", () => {
    it("renders literals with quotes doubled and refuses control characters and non-integers", () => {
        assert.strictEqual(sqlLiteral("v", "facility-la-001"), "'facility-la-001'");
        assert.strictEqual(sqlLiteral("v", "x'); DROP TABLE orders; --"), "'x''); DROP TABLE orders; --'");
        assert.strictEqual(sqlLiteral("v", "back\\slash"), "'back\\slash'");
        assert.strictEqual(sqlLiteral("v", 42), "42");
        assert.strictEqual(sqlLiteral("v", false), "false");
        assert.throws(() => sqlLiteral("flows[0].rowFilter.equals", "a\nb"), /^ValidationError: flows\[0\]\.rowFilter\.equals: "a\\nb" contains control characters/);
        assert.throws(() => sqlLiteral("v", 1.5), /not a safe integer/);
        assert.throws(() => sqlLiteral("v", { toString: () => "1" }), /cannot be rendered/);
    });

    it("accepts plain lower-case identifiers only", () => {
        for (const ok of ["orders", "_x", "a1_b2", "x".repeat(63)]) assert.strictEqual(assertSqlIdentifier("f", ok), ok);
        for (const bad of ["Orders", "1abc", "a-b", "a b", 'a"b', "a;b", "", "x".repeat(64), "ordérs"]) {
            assert.throws(() => assertSqlIdentifier("flows[1].tables[0]", bad), /^ValidationError: flows\[1\]\.tables\[0\]: .* is not a plain SQL identifier/);
        }
    });

    it("renders equals and in as an OR chain of quoted identifiers and literals", () => {
        assert.strictEqual(renderRowFilter("f", { column: "facility_id", equals: "la'1" }), `("facility_id" = 'la''1')`);
        assert.strictEqual(renderRowFilter("f", { column: "tenant_id", in: ["a", "b"] }), `("tenant_id" = 'a' OR "tenant_id" = 'b')`);
        assert.throws(() => renderRowFilter("flows[0].rowFilter", { column: "tenant_id", in: [] }), /flows\[0\]\.rowFilter\.in: must be a non-empty list/);
        assert.throws(() => renderRowFilter("flows[0].rowFilter", { column: "tenant_id", equals: "a", in: ["b"] } as never), /exactly one of `equals` or `in`/);
    });

    it("parses PostgreSQL's rewritten filter text back to the same canonical form", () => {
        const la = normaliseRowFilter({ column: "facility_id", equals: "la'x" });
        assert.deepStrictEqual(parseRowFilterSql("(facility_id = 'la''x'::text)"), la);
        const two = normaliseRowFilter({ column: "facility_id", in: ["b", "a"] });
        assert.deepStrictEqual(parseRowFilterSql("((facility_id = 'a'::text) OR (facility_id = 'b'::text))"), two);
        assert.deepStrictEqual(parseRowFilterSql("(facility_id = ANY (ARRAY['a'::text, 'b'::text]))"), two);
        assert.deepStrictEqual(parseRowFilterSql("(facility_id = ANY ('{a,b}'::text[]))"), two);
        assert.deepStrictEqual(parseRowFilterSql("((v)::text = 'a'::text)"), { column: "v", values: ["a"] });
        assert.deepStrictEqual(parseRowFilterSql("(n = ANY (ARRAY[1, 2]))"), normaliseRowFilter({ column: "n", in: [1, 2] }));
        assert.strictEqual(parseRowFilterSql(null), null);
        assert.strictEqual(parseRowFilterSql("((facility_id = 'a'::text) OR (tenant_id = 'b'::text))"), "unrecognised");
        assert.strictEqual(parseRowFilterSql("(quantity > 5)"), "unrecognised");
    });

    it("quotes conninfo values for libpq and reads them back", () => {
        assert.strictEqual(conninfoValue("pa'ss\\w"), "'pa\\'ss\\\\w'");
        const info = publisherConninfo({ host: "10.0.0.1", port: 5432, database: "app", user: "mesh_repl_edge_la", password: "p a'ss\\", ssl: "require" });
        assert.deepStrictEqual(parseConninfo(info), {
            host: "10.0.0.1", port: "5432", dbname: "app", user: "mesh_repl_edge_la", password: "p a'ss\\", sslmode: "require", connect_timeout: "10",
        });
    });

    it("produces alert rules for lag, retained WAL, disabled subscriptions and lost slots over exported metrics", () => {
        const rules = meshAlertRules({ lagSeconds: 2 });
        assert.deepStrictEqual(rules.map((r) => r.alert), [
            "MeshReplicationLagHigh", "MeshReplicationBacklogHigh", "MeshSlotRetainedWalHigh", "MeshSubscriptionDisabled", "MeshApplyErrors", "MeshSlotLost",
        ]);
        assert.match(rules[0].expr, /agogsaas_mesh_sender_replay_lag_seconds\) > 2$/);
        const queries = exporterQueries() as Record<string, { metrics: Record<string, unknown>[] }>;
        const exported = Object.entries(queries).flatMap(([prefix, q]) => q.metrics.map((m) => `${prefix}_${Object.keys(m)[0]}`));
        for (const rule of rules) {
            const metric = /agogsaas_mesh_[a-z_]+/.exec(rule.expr)![0];
            assert.ok(exported.includes(metric), `${rule.alert} uses ${metric}, which the exporter queries produce`);
        }
        const manifest = meshPrometheusRule({ namespace: "monitoring" });
        assert.strictEqual(manifest.kind, "PrometheusRule");
        assert.strictEqual(manifest.spec.groups[0].rules.length, rules.length);
    });
});
