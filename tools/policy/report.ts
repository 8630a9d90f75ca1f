/**
 * Text and Markdown renderings of an evaluation, shared by `npm run policy`, the synth step and
 * the pull-request comment. Messages never contain values of secret inputs (the synth redacts
 * them, and the policies name variables, not their values).
 */
import { EvaluationResult, Violation, mandatoryViolations } from "./evaluate";

function where(v: Violation): string {
    return v.urn ? `${v.type ?? "?"} ${v.name ?? v.urn}` : "(stack)";
}

/** One line per violation, mandatory first, then a count line. */
export function formatViolations(result: EvaluationResult, stack: string): string[] {
    const ordered = [...result.violations].sort((a, b) =>
        a.enforcementLevel === b.enforcementLevel ? a.policy.localeCompare(b.policy) : a.enforcementLevel === "mandatory" ? -1 : 1);
    const lines = ordered.map((v) => `[${v.enforcementLevel}] ${v.policy}: ${where(v)}: ${v.message}`);
    const mandatory = mandatoryViolations(result).length;
    lines.push(
        `policy: stack ${stack}: ${mandatory} mandatory, ${result.violations.length - mandatory} advisory violation(s)` +
            (result.deferred.length > 0 ? `, ${result.deferred.length} check(s) deferred until values are known` : ""),
    );
    return lines;
}

/** A Markdown section for a pull-request comment. */
export function violationsMarkdown(result: EvaluationResult, stack: string): string {
    const mandatory = mandatoryViolations(result).length;
    const advisory = result.violations.length - mandatory;
    const head = `#### Policy: ${mandatory === 0 ? "✅" : "❌"} ${mandatory} mandatory, ${advisory} advisory violation(s) in \`${stack}\``;
    if (result.violations.length === 0) return head;
    const rows = result.violations.map((v) =>
        `| ${v.enforcementLevel} | \`${v.policy}\` | ${v.urn ? `\`${v.name}\`` : "(stack)"} | ${v.message.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`);
    return [head, "", "<details><summary>Violations</summary>", "", "| Level | Policy | Resource | Message |", "|---|---|---|---|", ...rows, "", "</details>"].join("\n");
}
