/**
 * Names of the objects the mesh creates in PostgreSQL, derived from node names so that they are
 * stable (a refactor of the program never renames a live publication, subscription or slot).
 */
import { assertSqlIdentifier } from "../postgres/sql";

/** Publication on the publisher, subscription on the subscriber and slot on the publisher share this name. */
export function flowObjectName(from: string, to: string): string {
    return assertSqlIdentifier(`flow ${from} -> ${to}`, `mesh_${from}_to_${to}`);
}

/** The least-privilege role subscribers of `node` log in as. Roles are cluster-wide, hence per node. */
export function replicationRoleName(node: string): string {
    return assertSqlIdentifier(`node ${node}`, `mesh_repl_${node}`);
}

/** Default login role of a publication offered to other stacks' subscribers (see MeshPublication). */
export function publicationReaderRoleName(publication: string): string {
    return assertSqlIdentifier(`publication ${publication}`, `${publication}_reader`);
}
