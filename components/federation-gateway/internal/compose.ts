/**
 * Composes the federation supergraph at program time, without Pulumi: the component, the tests
 * and the in-process gateway test all call this one function.
 *
 * Composition is `@theguild/federation-composition` (MIT). Apollo's `@apollo/composition` and
 * Apollo Router are under the Elastic License 2.0, so they are not used here.
 *
 * Guarantees, each checked before anything is deployed:
 * - read-only: no subgraph may declare a Mutation or Subscription root, and the composed public
 *   schema is proven to have neither;
 * - sovereignty: a subgraph from another zone than the gateway's contributes aggregate types only
 *   (see classification.ts);
 * - composition errors become a ValidationError listing every error with its subgraph.
 */
import { DocumentNode, GraphQLError, Kind, buildASTSchema, parse } from "graphql";
import { composeServices } from "@theguild/federation-composition";
import { ValidationError } from "../../shared/errors";
import { DataClassification, Zone, assertZone } from "../../shared/sovereignty";
import { TypeClassification, assertSubgraphMayCrossZones, classifyTypes, mostSensitive, rootTypeNames } from "../classification";

/** One subgraph, as the composer needs it (URLs resolved). */
export interface SubgraphDefinition {
    /** Subgraph name, usually the region's stack name (`us-east`). Lower case, digits and dashes. Required. */
    name: string;
    /** Sovereignty zone where the subgraph's data lives. Required. */
    zone: Zone;
    /** Endpoint the gateway queries (`https://…/graphql`). Required. */
    url: string;
    /** The subgraph's schema (Federation v2 SDL). Required. */
    sdl: string;
}

export interface ComposeInput {
    /** Zone the gateway runs in; subgraphs of other zones may only contribute aggregate types. Required. */
    gatewayZone: Zone;
    /** The regional subgraphs to compose. Required. */
    subgraphs: SubgraphDefinition[];
    /** Path of the subgraph list in error messages. Default `subgraphs`. */
    field?: string;
}

export interface ComposedSupergraph {
    /** The supergraph SDL the gateway loads (with join__ directives and subgraph URLs). */
    supergraphSdl: string;
    /** The client-facing schema. */
    publicSdl: string;
    /** Most sensitive data class the gateway may serve (labels its cache). */
    classification: DataClassification;
    /** Per subgraph: zone, whether it crosses zones (aggregate-only) and the classification of each type it serves. */
    subgraphs: { name: string; zone: Zone; crossZone: boolean; types: TypeClassification[] }[];
}

const SUBGRAPH_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Throws a ValidationError naming `field` unless `url` is an http(s) URL. */
export function assertSubgraphUrl(field: string, url: unknown): void {
    let parsed: URL | undefined;
    try {
        parsed = typeof url === "string" ? new URL(url) : undefined;
    } catch {
        parsed = undefined;
    }
    if (!parsed || !["http:", "https:"].includes(parsed.protocol)) {
        throw new ValidationError(field, `${JSON.stringify(url)} is not an http(s) URL`, "https://host/graphql");
    }
}

/** Validates one subgraph's shape and parses its SDL (everything except composition itself). */
export function parseSubgraph(field: string, subgraph: Omit<SubgraphDefinition, "url"> & { url?: unknown }, checkUrl: boolean): DocumentNode {
    if (subgraph === null || typeof subgraph !== "object") throw new ValidationError(field, "must be an object { name, zone, url, sdl }");
    if (typeof subgraph.name !== "string" || !SUBGRAPH_NAME.test(subgraph.name)) {
        throw new ValidationError(`${field}.name`, `invalid subgraph name ${JSON.stringify(subgraph.name)}`, "lower-case letters, digits and dashes, e.g. \"eu-central\"");
    }
    assertZone(`${field}.zone`, subgraph.zone);
    if (checkUrl) assertSubgraphUrl(`${field}.url`, subgraph.url);
    if (typeof subgraph.sdl !== "string" || subgraph.sdl.trim() === "") {
        throw new ValidationError(`${field}.sdl`, `subgraph "${subgraph.name}" has no schema`);
    }
    let doc: DocumentNode;
    try {
        doc = parse(subgraph.sdl);
    } catch (err) {
        throw new ValidationError(`${field}.sdl`, `subgraph "${subgraph.name}" schema does not parse: ${(err as Error).message}`);
    }
    const roots = rootTypeNames(doc);
    for (const [operation, typeName] of [["Mutation", roots.Mutation], ["Subscription", roots.Subscription]] as const) {
        const declared = doc.definitions.some(
            (d) => "name" in d && d.name?.value === typeName &&
                (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION),
        );
        if (declared) {
            throw new ValidationError(
                `${field}.sdl`,
                `subgraph "${subgraph.name}" declares a ${operation} root (type "${typeName}"): the federation gateway is read-only`,
                "Query fields only",
            );
        }
    }
    return doc;
}

function describeErrors(errors: readonly GraphQLError[]): string {
    return errors.map((e) => `${e.message}${e.extensions?.code ? ` [${String(e.extensions.code)}]` : ""}`).join("; ");
}

/**
 * Validates every subgraph (shape, read-only, sovereignty) without composing. The component calls
 * this synchronously when URLs are still unresolved Outputs; {@link composeSupergraph} calls it too.
 */
export function validateSubgraphs(input: { gatewayZone: Zone; subgraphs: (Omit<SubgraphDefinition, "url"> & { url?: unknown })[]; field?: string }, checkUrls: boolean): DocumentNode[] {
    const field = input.field ?? "subgraphs";
    const gatewayZone = assertZone("zone", input.gatewayZone);
    if (!Array.isArray(input.subgraphs) || input.subgraphs.length === 0) {
        throw new ValidationError(field, "at least one subgraph is required");
    }
    const seen = new Set<string>();
    return input.subgraphs.map((subgraph, i) => {
        const at = `${field}[${i}]`;
        const doc = parseSubgraph(at, subgraph, checkUrls);
        if (seen.has(subgraph.name)) throw new ValidationError(`${at}.name`, `duplicate subgraph name "${subgraph.name}"`);
        seen.add(subgraph.name);
        assertSubgraphMayCrossZones(`${at}.sdl`, subgraph.name, subgraph.zone, gatewayZone, doc);
        return doc;
    });
}

/** Composes the supergraph; throws ValidationError / SovereigntyError on any violation. */
export function composeSupergraph(input: ComposeInput): ComposedSupergraph {
    const field = input.field ?? "subgraphs";
    const docs = validateSubgraphs(input, true);
    const result = composeServices(input.subgraphs.map((s, i) => ({ name: s.name, url: s.url, typeDefs: docs[i] })));
    if (result.errors) {
        throw new ValidationError(field, `the subgraphs do not compose: ${describeErrors(result.errors)}`);
    }
    // Proof of read-only on what clients will see, not only on the inputs.
    const schema = buildASTSchema(result.publicDocumentNode);
    if (schema.getMutationType() || schema.getSubscriptionType()) {
        throw new ValidationError(field, "the composed supergraph has a Mutation or Subscription root: the gateway must be read-only");
    }
    const types = docs.map((doc, i) => classifyTypes(`${field}[${i}].sdl`, doc));
    return {
        supergraphSdl: result.supergraphSdl,
        publicSdl: result.publicSdl,
        classification: mostSensitive(types.flat().map((t) => t.classification)),
        subgraphs: input.subgraphs.map((s, i) => ({ name: s.name, zone: s.zone, crossZone: s.zone !== input.gatewayZone, types: types[i] })),
    };
}
