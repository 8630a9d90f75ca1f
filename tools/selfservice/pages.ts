/**
 * The self-service pages: plain HTML, every value escaped. No client framework: the only script is
 * the progress stream of an update (EventSource).
 */
import { DISASTER_TYPES, FieldErrors } from "./fallback-request";
import { LOCAL_EDGES } from "../../stacks/local";
import { FACILITY_MODES } from "../../components/fallback/plan";
import { VPN_TYPES } from "../../components/edge-site/site";
import { EDGE_SIZE_TIERS } from "../../components/edge-site/sizes";
import { LOCAL_SITE_REGION_NAMES } from "../../stacks/local-sites";
import type { EdgeFormField } from "./edge-request";
import type { ChangeRequest } from "./requests";

export function escapeHtml(value: unknown): string {
    return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
label{display:block;margin-top:.8rem;font-weight:600}input,select,textarea{width:100%;padding:.4rem;font:inherit}
.error{color:#b00020;font-weight:400;display:block}button{margin-top:1rem;padding:.5rem 1.2rem;font:inherit}
pre{background:#f4f4f4;padding:.8rem;overflow:auto;max-height:28rem;font-size:.8rem}.status{font-weight:700}
fieldset{margin-top:1rem;border:1px solid #ccc}legend{font-weight:700}.form-error{color:#b00020}nav{margin-bottom:1rem}nav form{display:inline}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}`;

export function layout(title: string, body: string, user?: { name: string; role: string }, csrf?: string): string {
    const nav = user
        ? `<nav>Signed in as <b>${escapeHtml(user.name)}</b> (${escapeHtml(user.role)}) · <a href="/">Requests</a> · <a href="/edge">New edge</a> · <a href="/fallback">Cloud fallback</a>
<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${escapeHtml(csrf)}"><button type="submit">Sign out</button></form></nav>`
        : "";
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · agogsaas self-service</title><style>${STYLE}</style></head>
<body>${nav}<h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export function loginPage(csrf: string, error?: string): string {
    return layout("Sign in", `${error ? `<p class="error" id="login-error">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/login"><input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">
<label for="name">User</label><input id="name" name="name" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Sign in</button></form>`);
}

function field(name: string, label: string, control: string, errors: FieldErrors): string {
    return `<label for="${name}">${escapeHtml(label)}${errors[name] ? `<span class="error" id="${name}-error">${escapeHtml(errors[name])}</span>` : ""}</label>${control}`;
}

function select(name: string, options: readonly string[], value: unknown): string {
    return `<select id="${name}" name="${name}">${options.map((o) => `<option${o === value ? " selected" : ""}>${escapeHtml(o)}</option>`).join("")}</select>`;
}

export function fallbackForm(csrf: string, values: Record<string, unknown>, errors: FieldErrors, modes: Record<string, string>): string {
    const current = LOCAL_EDGES.map((e) => `<tr><td>${e}</td><td class="mode" id="mode-${e}">${escapeHtml(modes[e])}</td></tr>`).join("");
    return `<table><tr><th>Facility</th><th>Mode now</th></tr>${current}</table>
<form method="post" action="/fallback"><input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">
${field("edge", "Facility", select("edge", LOCAL_EDGES, values.edge), errors)}
${field("mode", "Change to", select("mode", FACILITY_MODES, values.mode ?? "fallback"), errors)}
${field("disasterType", "Disaster type", select("disasterType", DISASTER_TYPES, values.disasterType), errors)}
${field("description", "What happened", `<textarea id="description" name="description" rows="3">${escapeHtml(values.description)}</textarea>`, errors)}
${field("expectedDurationDays", "Expected duration (days)", `<input id="expectedDurationDays" name="expectedDurationDays" value="${escapeHtml(values.expectedDurationDays)}">`, errors)}
<button type="submit" id="submit">Preview</button></form>`;
}

function input(name: EdgeFormField, values: Record<string, unknown>, attributes = ""): string {
    return `<input id="${name}" name="${name}" value="${escapeHtml(values[name])}"${attributes}>`;
}

/** The new-edge form; `errors.form` is a rule about the whole stack (capacity), shown above the fields. */
export function edgeForm(csrf: string, values: Record<string, unknown>, errors: FieldErrors): string {
    const f = (name: EdgeFormField, label: string, control = input(name, values)) => field(name, label, control, errors);
    return `${errors.form ? `<p class="form-error" id="form-error">${escapeHtml(errors.form)}</p>` : ""}
<form method="post" action="/edge" novalidate><input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">
<fieldset><legend>Facility</legend>
${f("id", "Facility id (facility-<site>-<nnn>)", input("id", values, ' placeholder="facility-sea-001"'))}
${f("name", "Facility name")}
${f("region", "Region it reports to", select("region", LOCAL_SITE_REGION_NAMES, values.region))}</fieldset>
<fieldset><legend>Address</legend>
${f("street", "Street and number")}${f("city", "City")}${f("postalCode", "Postal code")}
${f("country", "Country (ISO code, e.g. US, DE)", input("country", values, ' maxlength="2"'))}</fieldset>
<fieldset><legend>Network and hardware</legend>
${f("subnet", "Factory subnet (private CIDR)", input("subnet", values, ' placeholder="10.42.0.0/24"'))}
${f("vpnType", "VPN", select("vpnType", VPN_TYPES, values.vpnType))}
${f("size", "Hardware tier", select("size", EDGE_SIZE_TIERS, values.size ?? "medium"))}</fieldset>
<fieldset><legend>IT contact (kept as Pulumi secrets)</legend>
${f("contactName", "Name")}${f("contactEmail", "E-mail", input("contactEmail", values, ' type="email"'))}
${f("contactPhone", "Phone (E.164, e.g. +12065550142)")}</fieldset>
<button type="submit" id="submit">Preview</button></form>`;
}

export function requestPage(request: ChangeRequest, csrf: string, canApprove: boolean): string {
    const preview = request.preview
        ? `<h2>Preview</h2><p id="preview-result">${request.preview.ok ? `Changes: ${escapeHtml(JSON.stringify(request.preview.changes ?? {}))}` : `<span class="error">Preview failed: ${escapeHtml(request.preview.error)}</span>`}</p><pre id="preview">${escapeHtml(request.preview.output)}</pre>`
        : "";
    const approve = canApprove
        ? `<form method="post" action="/requests/${escapeHtml(request.id)}/approve"><input type="hidden" name="_csrf" value="${escapeHtml(csrf)}"><button type="submit" id="approve">${request.status === "failed" ? "Approve a new attempt" : "Approve and apply"}</button></form>`
        : "";
    const progress = request.status === "applying" || request.up
        ? `<h2>Update</h2><pre id="progress">${request.status === "applying" ? "" : escapeHtml(request.up?.output ?? "")}</pre>${request.up?.error ? `<pre class="error" id="up-error">${escapeHtml(request.up.error)}</pre>` : ""}`
        : "";
    const stream = request.status === "applying"
        ? `<script>const p=document.getElementById("progress");const s=new EventSource("/requests/${escapeHtml(request.id)}/events");
s.onmessage=(e)=>{p.textContent+=JSON.parse(e.data);p.scrollTop=p.scrollHeight};s.addEventListener("done",(e)=>{s.close();document.getElementById("status").textContent=JSON.parse(e.data)})</script>`
        : "";
    return `<p>${escapeHtml(request.summary)}</p><p>Requested by <b>${escapeHtml(request.requestedBy)}</b> at ${escapeHtml(request.requestedAt)}${request.approvedBy ? `, approved by <b>${escapeHtml(request.approvedBy)}</b>` : ""}.</p>
<p>Status: <span class="status" id="status">${escapeHtml(request.status)}</span></p>${preview}${approve}${progress}${stream}`;
}

export function requestList(requests: ChangeRequest[]): string {
    const rows = requests.map((r) => `<tr><td><a href="/requests/${escapeHtml(r.id)}">${escapeHtml(r.id)}</a></td><td>${escapeHtml(r.summary)}</td><td>${escapeHtml(r.requestedBy)}</td><td>${escapeHtml(r.status)}</td></tr>`).join("");
    return `<p><a href="/edge">Request a new edge computer</a> · <a href="/fallback">Request a cloud fallback change</a></p><table><tr><th>Request</th><th>What</th><th>By</th><th>Status</th></tr>${rows}</table>`;
}
