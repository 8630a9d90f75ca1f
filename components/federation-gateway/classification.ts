/**
 * How a subgraph marks the data class of its GraphQL types, and the sovereignty rule on top.
 *
 * Marking uses the standard federation `@tag` directive (it composes everywhere and survives into
 * the supergraph, so contracts and audits can read it):
 *
 * - `@tag(name: "table:<name>")`: the type exposes rows of a TABLE_CATALOG table; its class comes
 *   from the catalog (`classifyTables`), the one place that says what is personal;
 * - `@tag(name: "aggregate" | "operational" | "personal")`: for types that are not a table
 *   (wrappers, computed figures). A table tag and a class tag on one type must agree.
 *
 * The rule: a subgraph from another zone than the gateway's may only contribute aggregate types,
 * input types and root fields. Unmarked types from another zone are refused (fail closed).
 */
import { DefinitionNode, DirectiveNode, DocumentNode, FieldDefinitionNode, InputValueDefinitionNode, Kind, TypeNode } from "graphql";
import { SovereigntyError, ValidationError, oneOf } from "../shared/errors";
import { DATA_CLASSIFICATIONS, DataClassification, TABLE_CATALOG, TABLE_NAMES, Zone, classifyTables } from "../shared/sovereignty";

export const TABLE_TAG_PREFIX = "table:";

/** Types a subgraph library adds for federation itself; they carry no data. */
const FEDERATION_TYPES = new Set(["_Service", "_Entity", "_Any", "FieldSet", "link__Import", "link__Purpose", "federation__FieldSet"]);

type RootType = "Query" | "Mutation" | "Subscription";

/** Object, interface, union and input object types, defined or extended. */
type Composite = Extract<DefinitionNode, { readonly fields?: unknown } | { readonly types?: unknown }> & { readonly name: { readonly value: string } };

function tagNames(directives: readonly DirectiveNode[] | undefined): string[] {
    return (directives ?? [])
        .filter((d) => d.name.value === "tag")
        .flatMap((d) => d.arguments ?? [])
        .filter((a) => a.name.value === "name" && a.value.kind === Kind.STRING)
        .map((a) => (a.value as { value: string }).value);
}

/** The classification `@tag`s give an element, or undefined when it carries none. */
export function classificationOf(field: string, element: string, directives: readonly DirectiveNode[] | undefined): DataClassification | undefined {
    const tags = tagNames(directives);
    const tables = tags.filter((t) => t.startsWith(TABLE_TAG_PREFIX)).map((t) => t.slice(TABLE_TAG_PREFIX.length));
    const unknown = tables.filter((t) => !(t in TABLE_CATALOG));
    if (unknown.length > 0) {
        throw new ValidationError(field, `${element} is tagged with unknown table(s) ${unknown.map((t) => `"${t}"`).join(", ")}`, oneOf(TABLE_NAMES));
    }
    const explicit = tags.filter((t): t is DataClassification => (DATA_CLASSIFICATIONS as readonly string[]).includes(t));
    const fromTables = tables.length > 0 ? classifyTables(tables) : undefined;
    const all = [...new Set([...explicit, ...(fromTables ? [fromTables] : [])])];
    if (all.length > 1) {
        throw new ValidationError(
            field,
            `${element} carries conflicting classifications ${all.map((c) => `"${c}"`).join(" and ")}` +
                (fromTables ? ` (table ${tables.map((t) => `"${t}"`).join(", ")} is ${fromTables})` : ""),
            "one of @tag(name: \"table:<table>\") or @tag(name: \"aggregate\" | \"operational\" | \"personal\")",
        );
    }
    return all[0];
}

function namedType(type: TypeNode): string {
    return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function isComposite(def: DefinitionNode): def is Composite {
    return [
        Kind.OBJECT_TYPE_DEFINITION, Kind.OBJECT_TYPE_EXTENSION,
        Kind.INTERFACE_TYPE_DEFINITION, Kind.INTERFACE_TYPE_EXTENSION,
        Kind.UNION_TYPE_DEFINITION, Kind.UNION_TYPE_EXTENSION,
        Kind.INPUT_OBJECT_TYPE_DEFINITION, Kind.INPUT_OBJECT_TYPE_EXTENSION,
    ].includes(def.kind);
}

/** Names of the root operation types a document declares (`schema { mutation: M }` or the default names). */
export function rootTypeNames(doc: DocumentNode): Record<RootType, string> {
    const roots: Record<string, string> = { Query: "Query", Mutation: "Mutation", Subscription: "Subscription" };
    for (const def of doc.definitions) {
        if (def.kind === Kind.SCHEMA_DEFINITION || def.kind === Kind.SCHEMA_EXTENSION) {
            for (const op of def.operationTypes ?? []) {
                const key = op.operation === "query" ? "Query" : op.operation === "mutation" ? "Mutation" : "Subscription";
                roots[key] = op.type.name.value;
            }
        }
    }
    return roots as Record<RootType, string>;
}

/** Every composite type a subgraph defines or extends, with its classification (root types excluded). */
export interface TypeClassification {
    type: string;
    classification?: DataClassification;
}

export function classifyTypes(field: string, doc: DocumentNode): TypeClassification[] {
    const roots = Object.values(rootTypeNames(doc));
    return doc.definitions
        .filter(isComposite)
        .filter((def) => !roots.includes(def.name.value) && !FEDERATION_TYPES.has(def.name.value))
        .map((def) => ({ type: def.name.value, classification: classificationOf(field, `type "${def.name.value}"`, def.directives) }));
}

/**
 * Throws a SovereigntyError naming the subgraph, the type and both zones unless every type, field
 * and root field of a subgraph from `subgraphZone` may be served to a gateway in `gatewayZone`.
 * In-zone subgraphs are only checked for well-formed marks.
 */
export function assertSubgraphMayCrossZones(field: string, subgraph: string, subgraphZone: Zone, gatewayZone: Zone, doc: DocumentNode): void {
    const types = classifyTypes(field, doc);
    const classes = new Map(types.map((t) => [t.type, t.classification] as const));
    // Field-level marks are checked in every subgraph (well-formed), enforced across zones.
    const fieldMarks: { element: string; classification?: DataClassification; returns?: string }[] = [];
    const queryRoot = rootTypeNames(doc).Query;
    for (const def of doc.definitions.filter(isComposite)) {
        if (FEDERATION_TYPES.has(def.name.value)) continue;
        const fields = ("fields" in def ? def.fields ?? [] : []) as readonly (FieldDefinitionNode | InputValueDefinitionNode)[];
        for (const f of fields) {
            const element = `field "${def.name.value}.${f.name.value}"`;
            fieldMarks.push({
                element,
                classification: classificationOf(field, element, f.directives),
                returns: def.name.value === queryRoot ? namedType(f.type) : undefined,
            });
        }
    }
    if (subgraphZone === gatewayZone) return;

    const refuse = (element: string, classification: DataClassification | undefined): never => {
        throw new SovereigntyError(
            field,
            `subgraph "${subgraph}" (zone "${subgraphZone}") exposes ${element}, ` +
                `${classification ? `classified ${classification}` : "which is not classified"}, ` +
                `to the federation gateway of zone "${gatewayZone}": only aggregate types may cross sovereignty zones`,
            "types marked @tag(name: \"aggregate\") or @tag(name: \"table:<aggregate table>\")",
        );
    };
    for (const t of types) {
        if (t.classification !== "aggregate") refuse(`type "${t.type}"`, t.classification);
    }
    for (const mark of fieldMarks) {
        if (mark.classification !== undefined && mark.classification !== "aggregate") refuse(mark.element, mark.classification);
        // A root field returning a scalar (a count, a list of names) is data too: it needs its own mark.
        if (mark.returns !== undefined && !classes.has(mark.returns) && mark.classification !== "aggregate") {
            refuse(mark.element, mark.classification);
        }
    }
}

/** The most sensitive class of data any of these types holds (labels the gateway's cache). */
export function mostSensitive(classifications: readonly (DataClassification | undefined)[]): DataClassification {
    // Unclassified in-zone types count as personal: the cache is labelled for the worst case.
    if (classifications.some((c) => c === undefined || c === "personal")) return "personal";
    if (classifications.includes("operational")) return "operational";
    return "aggregate";
}
