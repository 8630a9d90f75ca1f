/**
 * Step 5: the local stack with one more flow, sending `customers` (personal) from eu-central to
 * us-east, is refused by the real engine run: `pulumi up` fails with the mesh's SovereigntyError
 * before the program registers anything, the stack's state holds exactly the resources it held,
 * and the databases' replication catalogs (publications, subscriptions, slots, roles) are as before.
 */
import * as os from "os";
import * as path from "path";
import * as fs from "fs";
import { writeStackFileVariant } from "../../engine/local-stack";
import { DemoContext } from "../context";
import { Check } from "../narrator";
import { NODES } from "../../../stacks/local-topology";
import { replicationCatalog } from "../catalog";

/** The flow that must be refused: personal master data from the EU into the US. */
export const REFUSED_FLOW = { from: NODES.euCentral, to: NODES.blue, tables: ["customers"] };

export async function refusedFlow(ctx: DemoContext): Promise<Check[]> {
    const stack = ctx.stack;
    if (!stack) throw new Error("refusedFlow needs the deployed local stack");
    const nodes = [NODES.euCentral, NODES.blue] as const;
    const catalogBefore = await Promise.all(nodes.map((node) => replicationCatalog(ctx.env.admin[node])));
    const urnsBefore = await stack.urns();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-refused-"));
    const configFile = writeStackFileVariant(path.join(dir, "Pulumi.local.yaml"), { "agogsaas:localExtraFlows": [REFUSED_FLOW] });
    ctx.narrator.info(`pulumi up -s local with agogsaas:localExtraFlows = eu_central → us_east_blue: customers`);
    const run = await stack.run(["up"], ["--yes", "--skip-preview", "--non-interactive"], { configFile }).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
    const output = `${run.stdout}\n${run.stderr}`;
    const message = /SovereigntyError: ([^\n]+)/.exec(output)?.[1];
    const urnsAfter = await stack.urns();
    const catalogAfter = await Promise.all(nodes.map((node) => replicationCatalog(ctx.env.admin[node])));

    const checks: Check[] = [ctx.narrator.check({
        ok: run.code !== 0 && message !== undefined,
        label: message !== undefined ? `pulumi up refused it (exit ${run.code}): SovereigntyError` : `NOT refused as a sovereignty violation (exit ${run.code})`,
        details: message !== undefined ? [message] : output.trim().split("\n").slice(-8),
    })];
    const sameState = JSON.stringify(urnsBefore) === JSON.stringify(urnsAfter);
    checks.push(ctx.narrator.check({
        ok: sameState,
        label: `the stack's state is unchanged: ${urnsAfter.length} resources, the same URNs as before`,
        details: sameState ? undefined : [`before: ${urnsBefore.length}`, `after: ${urnsAfter.length}`],
    }));
    nodes.forEach((node, i) => {
        const same = JSON.stringify(catalogBefore[i]) === JSON.stringify(catalogAfter[i]);
        checks.push(ctx.narrator.check({
            ok: same,
            label: `${node}'s replication catalog is unchanged (${catalogAfter[i].length} publications, subscriptions, slots and mesh roles, as before)`,
            details: same ? undefined : [`before: ${catalogBefore[i].join(", ")}`, `after:  ${catalogAfter[i].join(", ")}`],
        }));
    });
    return checks;
}
