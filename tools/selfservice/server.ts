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
 * token; nobody approves their own request; one update at a time; a request previewed against a
 * config the stack no longer has is not applied (request it again).
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

    const stackConfig = () => options.stackConfig.read(options.configFile);
    /** Records a request whose candidate config `write` has edited, and previews it. */
    const submit = async (reply: FastifyReply, change: ChangeRequest, write: () => Promise<void> | void) => {
        await write();
        options.requests.audit({ user: change.requestedBy, action: "request", request: change.id, detail: change.summary });
        change.preview = await options.deployerFor(change.configFile, change).preview();
        change.status = change.preview.ok ? "awaiting-approval" : "preview-failed";
        options.requests.save(change);
        return reply.redirect(`/requests/${change.id}`, 303);
    };

    app.get("/edge", { preHandler: requireUser }, async (request, reply) => page(request, reply, "New edge computer", edgeForm(reply.generateCsrf(), {}, {})));

    app.post("/edge", { preHandler: [csrf, requireUser] }, async (request, reply) => {
        const form = request.body as Form;
        const { site, errors } = parseEdgeForm(form, await stackConfig(), await (options.sitePort ?? freePort)());
        if (!site) return page(request, reply, "New edge computer", edgeForm(reply.generateCsrf(), form, errors), 400);
        const edge = edgeRequestOf(site);
        const change = options.requests.create({
            kind: "edge", edge, requestedBy: user(request)!.name,
            summary: `new edge ${edge.id} (${edge.name}, ${edge.city} ${edge.country}) reporting to ${edge.region}: ${edge.size}, ${edge.vpn}, ${edge.subnet}`,
        }, options.configFile);
        return submit(reply, change, () => addSiteToConfigFile(change.configFile, site, options.stackConfig));
    });

    app.get("/fallback", { preHandler: requireUser }, async (request, reply) =>
        page(request, reply, "Cloud fallback", fallbackForm(reply.generateCsrf(), {}, {}, currentModes(await stackConfig()))));

    app.post("/fallback", { preHandler: [csrf, requireUser] }, async (request, reply) => {
        const form = request.body as Form;
        const raw = await stackConfig();
        const { request: parsed, errors } = parseFallbackForm(form, raw);
        if (!parsed) return page(request, reply, "Cloud fallback", fallbackForm(reply.generateCsrf(), form, errors, currentModes(raw)), 400);
        const change = options.requests.create({
            kind: "fallback", fallback: parsed, requestedBy: user(request)!.name,
            summary: `${parsed.edge}: mode ${parsed.mode} (${parsed.disasterType}, ${parsed.expectedDurationDays} d): ${parsed.description}`,
        }, options.configFile);
        return submit(reply, change, () => applyToConfigFile(change.configFile, raw, parsed));
    });

    /** Why `request`'s user may not approve `change` now, or undefined when they may. */
    const approvalRefusal = (request: FastifyRequest, change: ChangeRequest): string | undefined => {
        const who = user(request)!;
        if (who.name === change.requestedBy) return "nobody approves their own request";
        if (who.role !== "approver") return "only an approver may approve";
        if (applying !== undefined) return `request ${applying} is being applied`;
        if (change.status !== "awaiting-approval" && change.status !== "failed") return `the request is ${change.status}`;
        if (!options.requests.isBasedOn(change, options.configFile)) return "the stack's config changed after this request was previewed: request it again";
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
        void options.deployerFor(change.configFile, change).up((chunk) => {
            change.up!.output += chunk;
            emit("message", chunk);
        }).then((result: OperationResult) => {
            change.up = result;
            change.status = result.ok ? "applied" : "failed";
            // The stack's own config follows only a successful update; a failed one is re-run from the request.
            if (result.ok) fs.copyFileSync(change.configFile, options.configFile);
            options.requests.save(change);
            options.requests.audit({ user: who.name, action: result.ok ? "applied" : "failed", request: change.id, detail: result.ok ? JSON.stringify(result.changes) : result.error });
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
