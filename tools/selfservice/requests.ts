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

export type RequestStatus = "preview-failed" | "awaiting-approval" | "applying" | "applied" | "failed";

export interface ChangeRequest {
    id: string;
    /** A new edge site, or a facility's fallback mode. */
    kind: "edge" | "fallback";
    /** One line for lists and the audit log. */
    summary: string;
    /** The fallback change (kind "fallback"). */
    fallback?: FallbackRequest;
    /** The new site, without its contact's personal data (kind "edge"). */
    edge?: EdgeRequest;
    requestedBy: string;
    requestedAt: string;
    status: RequestStatus;
    /** The candidate config file previewed and applied. */
    configFile: string;
    /** SHA-256 of the stack's config file the candidate was made from (approval needs it unchanged). */
    baseConfigSha256: string;
    preview?: OperationResult;
    approvedBy?: string;
    up?: OperationResult;
}

export interface AuditEntry {
    at: string;
    user: string;
    action: "login" | "login-refused" | "logout" | "request" | "approve" | "refused" | "applied" | "failed";
    request?: string;
    detail?: string;
}

function sha256Of(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
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

    /** A new request with a copy of `baseConfig` as its candidate config file. */
    create(fields: Omit<ChangeRequest, "id" | "configFile" | "baseConfigSha256" | "requestedAt" | "status">, baseConfig: string): ChangeRequest {
        const id = `${new Date().toISOString().slice(0, 10)}-${crypto.randomBytes(3).toString("hex")}`;
        const configFile = path.join(this.dir, "requests", `${id}.yaml`);
        fs.copyFileSync(baseConfig, configFile);
        const request: ChangeRequest = { ...fields, id, configFile, baseConfigSha256: sha256Of(baseConfig), requestedAt: new Date().toISOString(), status: "awaiting-approval" };
        this.save(request);
        return request;
    }

    /** Whether `configFile` is still the config the request's candidate was made from (a failed update leaves it so). */
    isBasedOn(request: ChangeRequest, configFile: string): boolean {
        return sha256Of(configFile) === request.baseConfigSha256;
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
