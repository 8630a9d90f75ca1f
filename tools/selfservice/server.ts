/**
 * The self-service server (issue #16): a customer requests a new edge computer, or a facility
 * manager a cloud-fallback change; the requester sees the `pulumi preview` with the policy pack,
 * and a SECOND account approves it; only then does the update run, its engine output streamed into
 * the page. Everything is recorded in the audit log.
 *
 * Built from well-kept libraries: fastify (HTTP, forms), @fastify/cookie + @fastify/session
 * (server-side sessions; an in-memory store, so one server process), @fastify/csrf-protection
 * (a token per session on every form). Passwords: scrypt (accounts.ts).
 *
 * Rules: every route but the sign-in page needs a session; every POST needs the session's CSRF
 * token; nobody approves their own request; one update at a time, and no new request while it
 * runs; a request is applied only while the stack is as its preview saw it (the same config file,
 * no update since), else it must be requested again.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fastifyCookie from "@fastify/cookie";
import fastifySession from "@fastify/session";
import fastifyFormbody from "@fastify/formbody";
import fastifyCsrf from "@fastify/csrf-protection";
import { AccountStore, Role } from "./accounts";
import type { Deployer, OperationResult } from "./deployer";
import { applyToConfigFile, currentModes, parseFallbackForm } from "./fallback-request";
import { addSiteToConfigFile, edgeRequestOf, parseEdgeForm } from "./edge-request";
import { edgeForm, escapeHtml, fallbackForm, layout, loginPage, requestList, requestPage } from "./pages";
import type { StackConfigAccess } from "./stack-config";
import type { FieldErrors } from "./fallback-request";
import type { RawConfig } from "../../stacks/config";
import { freePort } from "../local-pg/cluster";
import { ChangeRequest, RequestStore } from "./requests";

declare module "fastify" {
    interface Session {
        user?: { name: string; role: Role };
    }
}

export interface SelfServiceOptions {
    /** Accounts file (accounts.ts). Required. */
    accounts: AccountStore;
    /** Requests and audit log. Required. */
    requests: RequestStore;
    /** The stack's config file: what an applied request changes. Required. */
    configFile: string;
    /** Pulumi operations against a candidate config file. Required. */
    deployerFor: (configFile: string, request: ChangeRequest) => Deployer;
    /** Reads config files as the program does and writes secrets (stack-config.ts). Required. */
    stackConfig: StackConfigAccess;
    /** The port of a new site's server; default a free loopback port. */
    sitePort?: () => Promise<number>;
    /** Session secret (at least 32 characters); default random per server start (sessions end with the process). */
    sessionSecret?: string;
}

type Form = Record<string, string | undefined>;

export async function buildServer(options: SelfServiceOptions): Promise<FastifyInstance> {
    const app = Fastify({ logger: false });
    await app.register(fastifyFormbody);
    await app.register(fastifyCookie);
    await app.register(fastifySession, {
        secret: options.sessionSecret ?? crypto.randomBytes(32).toString("base64url"),
        // Plain HTTP on localhost here; behind TLS set secure (docs/selfservice.md).
        cookie: { secure: false, httpOnly: true, sameSite: "strict", path: "/" },
        saveUninitialized: false,
    });
    await app.register(fastifyCsrf, { sessionPlugin: "@fastify/session" });

    const live = new Map<string, { change: ChangeRequest; listeners: Set<(event: string, data: string) => void> }>();
    let applying: string | undefined;

    const html = (reply: FastifyReply, body: string, status = 200) => reply.code(status).type("text/html; charset=utf-8").send(body);
    const user = (request: FastifyRequest) => request.session.user;
    const requireUser = async (request: FastifyRequest, reply: FastifyReply) => {
        if (!user(request)) return reply.code(request.method === "GET" ? 303 : 401).header("location", "/login").send(request.method === "GET" ? "" : "sign in first");
    };
    const csrf = app.csrfProtection;
    const page = (request: FastifyRequest, reply: FastifyReply, title: string, body: string, status = 200) =>
        html(reply, layout(title, body, user(request), reply.generateCsrf()), status);

    app.get("/login", async (_request, reply) => html(reply, loginPage(reply.generateCsrf())));
    app.post("/login", { preHandler: csrf }, async (request, reply) => {
        const form = request.body as Form;
        const account = options.accounts.verify(String(form.name ?? ""), String(form.password ?? ""));
        if (!account) {
            options.requests.audit({ user: String(form.name ?? ""), action: "login-refused" });
            return html(reply, loginPage(reply.generateCsrf(), "Unknown user or wrong password."), 401);
        }
        await request.session.regenerate();
        request.session.user = { name: account.name, role: account.role };
        options.requests.audit({ user: account.name, action: "login" });
        return reply.redirect("/", 303);
    });
    app.post("/logout", { preHandler: [csrf, requireUser] }, async (request, reply) => {
        options.requests.audit({ user: user(request)!.name, action: "logout" });
        await request.session.destroy();
        return reply.redirect("/login", 303);
    });

    app.get("/", { preHandler: requireUser }, async (request, reply) =>
        page(request, reply, "Requests", requestList([...options.requests.list()].reverse())));

    /**
     * A form's round trip: checks it against one snapshot of the stack's config (read as the program
     * reads it); on errors shows the form again, else makes the request from that same snapshot,
     * lets `write` edit its candidate config, and previews it. A failure of either leaves a
     * request that cannot be approved, with the error.
     */
    const handleForm = async <T>(request: FastifyRequest, reply: FastifyReply, title: string,
        check: (raw: RawConfig) => Promise<{ value?: T; errors: FieldErrors; again: (errors: FieldErrors) => string }>,
        describe: (value: T) => Omit<ChangeRequest, "id" | "configFile" | "baseConfigSha256" | "baseGeneration" | "requestedAt" | "status" | "requestedBy">,
        write: (configFile: string, value: T, raw: RawConfig) => Promise<void> | void) => {
        if (applying !== undefined) return page(request, reply, "Busy", `<p class="error" id="busy">Request ${escapeHtml(applying)} is being applied: request again when it is done.</p>`, 409);
        const snapshot = options.requests.snapshot(options.configFile);
        let raw: RawConfig;
        let checked: Awaited<ReturnType<typeof check>>;
        try {
            raw = await options.stackConfig.read(snapshot.file);
            checked = await check(raw);
        } catch (error) {
            options.requests.discard(snapshot);
            throw error;
        }
        if (checked.value === undefined) {
            options.requests.discard(snapshot);
            return page(request, reply, title, checked.again(checked.errors), 400);
        }
        const change = options.requests.create({ ...describe(checked.value), requestedBy: user(request)!.name }, snapshot);
        options.requests.audit({ user: change.requestedBy, action: "request", request: change.id, detail: change.summary });
        try {
            await write(change.configFile, checked.value, raw);
            change.preview = await options.deployerFor(change.configFile, change).preview();
        } catch (error) {
            change.preview = { ok: false, output: "", error: error instanceof Error ? error.message : String(error) };
        }
        change.status = change.preview.ok ? "awaiting-approval" : "preview-failed";
        options.requests.save(change);
        return reply.redirect(`/requests/${change.id}`, 303);
    };

    app.get("/edge", { preHandler: requireUser }, async (request, reply) => page(request, reply, "New edge computer", edgeForm(reply.generateCsrf(), {}, {})));

    app.post("/edge", { preHandler: [csrf, requireUser] }, async (request, reply) => {
        const form = request.body as Form;
        return handleForm(request, reply, "New edge computer",
            async (raw) => {
                const { site, errors } = parseEdgeForm(form, raw, await (options.sitePort ?? freePort)());
                return { value: site, errors, again: (e) => edgeForm(reply.generateCsrf(), form, e) };
            },
            (site) => {
                const edge = edgeRequestOf(site);
                return { kind: "edge", edge, summary: `new edge ${edge.id} (${edge.name}, ${edge.city} ${edge.country}) reporting to ${edge.region}: ${edge.size}, ${edge.vpn}, ${edge.subnet}` };
            },
            (configFile, site) => addSiteToConfigFile(configFile, site, options.stackConfig));
    });

    app.get("/fallback", { preHandler: requireUser }, async (request, reply) =>
        page(request, reply, "Cloud fallback", fallbackForm(reply.generateCsrf(), {}, {}, currentModes(await options.stackConfig.read(options.configFile)))));

    app.post("/fallback", { preHandler: [csrf, requireUser] }, async (request, reply) => {
        const form = request.body as Form;
        return handleForm(request, reply, "Cloud fallback",
            async (raw) => {
                const { request: parsed, errors } = parseFallbackForm(form, raw);
                return { value: parsed, errors, again: (e) => fallbackForm(reply.generateCsrf(), form, e, currentModes(raw)) };
            },
            (parsed) => ({ kind: "fallback", fallback: parsed, summary: `${parsed.edge}: mode ${parsed.mode} (${parsed.disasterType}, ${parsed.expectedDurationDays} d): ${parsed.description}` }),
            (configFile, parsed, raw) => applyToConfigFile(configFile, raw, parsed));
    });

    /** Why `request`'s user may not approve `change` now, or undefined when they may. */
    const approvalRefusal = (request: FastifyRequest, change: ChangeRequest): string | undefined => {
        const who = user(request)!;
        if (who.name === change.requestedBy) return "nobody approves their own request";
        if (who.role !== "approver") return "only an approver may approve";
        if (applying !== undefined) return `request ${applying} is being applied`;
        if (change.status !== "awaiting-approval" && change.status !== "failed") return `the request is ${change.status}`;
        if (change.preview?.ok !== true) return "the request has no successful preview";
        if (!options.requests.isCurrent(change, options.configFile)) return "the stack changed after this request was previewed (its config, or another update): request it again";
        return undefined;
    };

    app.get("/requests/:id", { preHandler: requireUser }, async (request, reply) => {
        const change = options.requests.get((request.params as { id: string }).id);
        if (!change) return page(request, reply, "Not found", "<p>No such request.</p>", 404);
        return page(request, reply, `Request ${change.id}`, requestPage(change, reply.generateCsrf(), approvalRefusal(request, change) === undefined));
    });

    app.post("/requests/:id/approve", { preHandler: [csrf, requireUser] }, async (request, reply) => {
        const change = options.requests.get((request.params as { id: string }).id);
        if (!change) return page(request, reply, "Not found", "<p>No such request.</p>", 404);
        const who = user(request)!;
        const why = approvalRefusal(request, change);
        if (why !== undefined) {
            options.requests.audit({ user: who.name, action: "refused", request: change.id, detail: why });
            return page(request, reply, "Refused", `<p class="error" id="refused">Not approved: ${escapeHtml(why)}.</p>`, 403);
        }
        change.approvedBy = who.name;
        change.status = "applying";
        change.up = { ok: false, output: "" };
        options.requests.save(change);
        options.requests.audit({ user: who.name, action: "approve", request: change.id });
        applying = change.id;
        const stream = { change, listeners: new Set<(event: string, data: string) => void>() };
        live.set(change.id, stream);
        const emit = (event: string, data: string) => stream.listeners.forEach((send) => send(event, data));
        const finish = (result: OperationResult) => {
            change.up = result;
            change.status = result.ok ? "applied" : "failed";
            // The stack's own config follows only a successful update; a failed one is re-run from the request.
            if (result.ok) fs.copyFileSync(change.configFile, options.configFile);
            // Any update may have changed the stack: other requests' previews are now stale. A failed
            // request stays approvable: its re-run is how the stack converges.
            const generation = options.requests.bumpGeneration();
            if (!result.ok) change.baseGeneration = generation;
            options.requests.save(change);
            options.requests.audit({ user: who.name, action: result.ok ? "applied" : "failed", request: change.id, detail: result.ok ? JSON.stringify(result.changes) : result.error });
        };
        void options.deployerFor(change.configFile, change).up((chunk) => {
            change.up!.output += chunk;
            emit("message", chunk);
        }).then(finish, (error: unknown) => finish({ ok: false, output: change.up?.output ?? "", error: error instanceof Error ? error.message : String(error) }))
            .catch((error: unknown) => {
                // Recording the result failed (disk full?): the request must not stay "applying".
                change.status = "failed";
                change.up = { ok: false, output: change.up?.output ?? "", error: `the result could not be recorded: ${error instanceof Error ? error.message : String(error)}` };
                try { options.requests.save(change); } catch { /* the store itself fails: nothing more can be recorded */ }
            }).finally(() => {
            applying = undefined;
            emit("done", change.status);
            live.delete(change.id);
        });
        return reply.redirect(`/requests/${change.id}`, 303);
    });

    app.get("/requests/:id/events", { preHandler: requireUser }, async (request, reply) => {
        const id = (request.params as { id: string }).id;
        const change = options.requests.get(id);
        if (!change) return reply.code(404).send("no such request");
        reply.hijack();
        const out = reply.raw;
        out.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
        const send = (event: string, data: string) => out.write(`${event === "message" ? "" : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`);
        const stream = live.get(id);
        if (!stream) {
            send("done", change.status);
            out.end();
            return;
        }
        // What the engine printed before this page connected, then every new chunk.
        send("message", stream.change.up?.output ?? "");
        const listener = (event: string, data: string) => {
            send(event, data);
            if (event === "done") out.end();
        };
        stream.listeners.add(listener);
        request.raw.on("close", () => stream.listeners.delete(listener));
    });

    return app;
}
