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

export type RequestStatus = "preview-failed" | "awaiting-approval" | "applying" | "applied" | "failed";

export interface ChangeRequest {
    id: string;
    kind: "fallback";
    /** One line for lists and the audit log. */
    summary: string;
    fallback: FallbackRequest;
    requestedBy: string;
    requestedAt: string;
    status: RequestStatus;
    /** The candidate config file previewed and applied. */
    configFile: string;
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
    create(fields: Omit<ChangeRequest, "id" | "configFile" | "requestedAt" | "status">, baseConfig: string): ChangeRequest {
        const id = `${new Date().toISOString().slice(0, 10)}-${crypto.randomBytes(3).toString("hex")}`;
        const configFile = path.join(this.dir, "requests", `${id}.yaml`);
        fs.copyFileSync(baseConfig, configFile);
        const request: ChangeRequest = { ...fields, id, configFile, requestedAt: new Date().toISOString(), status: "awaiting-approval" };
        this.save(request);
        return request;
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
