/**
 * Change requests of the self-service server and the audit log (who, when, what, result), both
 * files in the server's data directory: `requests.json` and the append-only `audit.jsonl`.
 * Each request carries its own candidate config file: the stack's config file changes only when
 * the approved update has succeeded.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { OperationResult } from "./deployer";
import type { FallbackRequest } from "./fallback-request";
import type { EdgeRequest } from "./edge-request";

export type RequestStatus = "previewing" | "preview-failed" | "awaiting-approval" | "applying" | "applied" | "failed";

export interface ChangeRequest {
    id: string;
    /** A new edge site, or a facility's fallback mode. */
    kind: "edge" | "fallback";
    /** One line for lists and the audit log. */
    summary: string;
    /** The fallback change (kind "fallback"). */
    fallback?: FallbackRequest;
    /** The new site, with the IT contact's name only (kind "edge"): e-mail and phone are in the config, encrypted. */
    edge?: EdgeRequest;
    /** Account that asked. */
    requestedBy: string;
    /** ISO time of the request. */
    requestedAt: string;
    /** Where it stands: previewing → awaiting-approval (or preview-failed) → applying → applied (or failed, approvable again). */
    status: RequestStatus;
    /** The candidate config file previewed and applied. */
    configFile: string;
    /** SHA-256 of the stack's config file the candidate was made from (approval needs it unchanged). */
    baseConfigSha256: string;
    /** The store's update count when the candidate was made (approval needs no other update since). */
    baseGeneration: number;
    /** The engine's preview of the candidate. */
    preview?: OperationResult;
    /** Account that approved the last attempt. */
    approvedBy?: string;
    /** The last update's result. */
    up?: OperationResult;
}

/** The stack's config file as it was at one moment: what a request is checked against and made from. */
export interface ConfigSnapshot {
    /** A copy of the file's bytes (in the store's directory), to read through the CLI. */
    file: string;
    /** SHA-256 of those bytes. */
    sha256: string;
    /** The store's update count at that moment. */
    generation: number;
}

export interface AuditEntry {
    at: string;
    user: string;
    action: "login" | "login-refused" | "logout" | "request" | "approve" | "refused" | "applied" | "failed";
    request?: string;
    detail?: string;
}

function sha256(bytes: Buffer): string {
    return crypto.createHash("sha256").update(bytes).digest("hex");
}

export class RequestStore {
    constructor(private readonly dir: string) {
        fs.mkdirSync(path.join(dir, "requests"), { recursive: true });
    }

    private get file(): string {
        return path.join(this.dir, "requests.json");
    }

    list(): ChangeRequest[] {
        return fs.existsSync(this.file) ? (JSON.parse(fs.readFileSync(this.file, "utf8")) as ChangeRequest[]) : [];
    }

    get(id: string): ChangeRequest | undefined {
        return this.list().find((r) => r.id === id);
    }

    /** Copies `configFile` once: the form is checked against, and the request made from, exactly these bytes. */
    snapshot(configFile: string): ConfigSnapshot {
        const bytes = fs.readFileSync(configFile);
        const file = path.join(this.dir, "requests", `snapshot-${crypto.randomBytes(6).toString("hex")}.yaml`);
        fs.writeFileSync(file, bytes);
        return { file, sha256: sha256(bytes), generation: this.generation() };
    }

    /** Removes a snapshot no request was made from. */
    discard(snapshot: ConfigSnapshot): void {
        fs.rmSync(snapshot.file, { force: true });
    }

    /** A new request (status "previewing") whose candidate config file is the snapshot. */
    create(fields: Omit<ChangeRequest, "id" | "configFile" | "baseConfigSha256" | "baseGeneration" | "requestedAt" | "status">, base: ConfigSnapshot): ChangeRequest {
        const id = `${new Date().toISOString().slice(0, 10)}-${crypto.randomBytes(3).toString("hex")}`;
        const configFile = path.join(this.dir, "requests", `${id}.yaml`);
        fs.renameSync(base.file, configFile);
        const request: ChangeRequest = {
            ...fields, id, configFile, baseConfigSha256: base.sha256, baseGeneration: base.generation, requestedAt: new Date().toISOString(), status: "previewing",
        };
        this.save(request);
        return request;
    }

    /** Whether the stack is still as the request's preview saw it: the same config file and no update since. */
    isCurrent(request: ChangeRequest, configFile: string): boolean {
        return sha256(fs.readFileSync(configFile)) === request.baseConfigSha256 && this.generation() === request.baseGeneration;
    }

    /** How many updates this store's server has run (each may have changed the stack, failed ones too). */
    generation(): number {
        const file = path.join(this.dir, "generation");
        return fs.existsSync(file) ? Number(fs.readFileSync(file, "utf8")) : 0;
    }

    /** Counts an update that ended; returns the new count. */
    bumpGeneration(): number {
        const next = this.generation() + 1;
        fs.writeFileSync(path.join(this.dir, "generation"), String(next));
        return next;
    }

    save(request: ChangeRequest): void {
        const all = this.list().filter((r) => r.id !== request.id);
        fs.writeFileSync(this.file, JSON.stringify([...all, request], null, 2));
    }

    audit(entry: Omit<AuditEntry, "at">): void {
        fs.appendFileSync(path.join(this.dir, "audit.jsonl"), `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
    }

    auditLog(): AuditEntry[] {
        const file = path.join(this.dir, "audit.jsonl");
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as AuditEntry) : [];
    }
}
