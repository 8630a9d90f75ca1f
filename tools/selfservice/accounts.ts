/**
 * Local accounts of the self-service server: a JSON file of users with scrypt password hashes
 * (Node's crypto: salt per user, constant-time comparison). Roles: a `requester` asks for a
 * change, an `approver` may also approve one, never their own.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import { ValidationError, oneOf } from "../../components/shared/errors";

export type Role = "requester" | "approver";
export const ROLES: readonly Role[] = ["requester", "approver"];

export interface Account {
    name: string;
    role: Role;
    /** base64 salt and scrypt hash of the password. */
    salt: string;
    hash: string;
}

const KEY_LENGTH = 64;
const USER_NAME = /^[a-z][a-z0-9._-]{1,31}$/;

function scrypt(password: string, salt: Buffer): Buffer {
    return crypto.scryptSync(password, salt, KEY_LENGTH, { N: 2 ** 14, r: 8, p: 1 });
}

export function hashAccount(name: string, role: Role, password: string): Account {
    if (!USER_NAME.test(name)) throw new ValidationError("name", `${JSON.stringify(name)} is not a user name`, "2-32 lower-case letters, digits, '.', '_' or '-', starting with a letter");
    if (!ROLES.includes(role)) throw new ValidationError("role", `${JSON.stringify(role)} is not a role`, oneOf(ROLES));
    if (typeof password !== "string" || password.length < 12) throw new ValidationError("password", "too short", "at least 12 characters");
    const salt = crypto.randomBytes(16);
    return { name, role, salt: salt.toString("base64"), hash: scrypt(password, salt).toString("base64") };
}

export class AccountStore {
    constructor(private readonly file: string) {}

    list(): Account[] {
        if (!fs.existsSync(this.file)) return [];
        return (JSON.parse(fs.readFileSync(this.file, "utf8")) as { users: Account[] }).users;
    }

    /** Adds or replaces an account; the file is written owner-only. */
    put(account: Account): void {
        const users = [...this.list().filter((u) => u.name !== account.name), account];
        fs.writeFileSync(this.file, JSON.stringify({ users }, null, 2), { mode: 0o600 });
    }

    /** The account when the password matches; undefined otherwise (same work either way). */
    verify(name: string, password: string): Account | undefined {
        const account = this.list().find((u) => u.name === name);
        const salt = account ? Buffer.from(account.salt, "base64") : crypto.randomBytes(16);
        const expected = account ? Buffer.from(account.hash, "base64") : Buffer.alloc(KEY_LENGTH);
        const actual = scrypt(String(password ?? ""), salt);
        return crypto.timingSafeEqual(actual, expected) && account ? account : undefined;
    }
}
