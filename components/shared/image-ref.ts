/**
 * Container image references: pinned by tag (or digest), never `latest` in production. Shared by
 * the edge site and the federation gateway (both take images from config).
 */
import { ValidationError } from "./errors";

export interface ImageRef {
    /** Everything before the tag, e.g. `ghcr.io/agogsaas/backend` or `postgres`. */
    readonly repository: string;
    /** The tag, e.g. `16.6-alpine`; undefined when only a digest pins the image. */
    readonly tag?: string;
    /** `sha256:...` when the reference carries a digest. */
    readonly digest?: string;
}

const REFERENCE = /^(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Parses `repository[:tag][@sha256:digest]`; undefined when it is not a valid reference. */
export function parseImageRef(reference: string): ImageRef | undefined {
    const match = REFERENCE.exec(reference);
    if (!match?.groups) return undefined;
    // Tags cannot contain "/", so the port of `registry:5000/app` stays in the repository.
    const { repository, tag, digest } = match.groups;
    return { repository, tag, digest };
}

/** The last path segment of the repository (`postgres` for `docker.io/library/postgres`). */
export function imageName(ref: ImageRef): string {
    return ref.repository.slice(ref.repository.lastIndexOf("/") + 1);
}

/**
 * Throws a ValidationError naming `field` unless `reference` is a valid image reference pinned
 * by a tag or a digest; in production the tag `latest` is refused as well.
 */
export function assertPinnedImage(field: string, reference: unknown, production: boolean): ImageRef {
    if (typeof reference !== "string" || reference.length === 0) {
        throw new ValidationError(field, `must be a container image reference, got ${JSON.stringify(reference)}`, "repository:tag, e.g. \"postgres:16.6-alpine\"");
    }
    const ref = parseImageRef(reference);
    if (!ref) {
        throw new ValidationError(field, `"${reference}" is not a valid container image reference`, "repository:tag or repository@sha256:<digest>");
    }
    if (!ref.tag && !ref.digest) {
        throw new ValidationError(field, `"${reference}" has no tag: images are pinned by tag`, `"${reference}:<version>"`);
    }
    if (production && ref.tag === "latest" && !ref.digest) {
        throw new ValidationError(field, `"${reference}" uses the tag "latest", which a production stack refuses`, "a version tag or a digest");
    }
    return ref;
}
