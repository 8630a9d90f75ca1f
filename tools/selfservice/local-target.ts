/**
 * What the self-service server drives on this machine: the `local` stack of a LocalDeployment
 * (tools/engine/local-deployment.ts) through the real engine, the servers of the sites it adds, and
 * its config files read and written through the engine's CLI. One composition for
 * `npm run selfservice` and the browser tests.
 */
import * as path from "path";
import { parseLocalConfig } from "../../stacks/local";
import type { LocalDeployment } from "../engine/local-deployment";
import { EngineDeployer } from "./deployer";
import { currentModes } from "./fallback-request";
import { SiteServers } from "./site-servers";
import { EngineStackConfig } from "./stack-config";

export interface LocalTarget {
    /** The deployer of a candidate config file of the stack. */
    deployerFor(configFile: string): EngineDeployer;
    /** The stack's config files, read and written through the engine's CLI. */
    stackConfig: EngineStackConfig;
    /** The servers of the sites the stack's config adds, started before each update. */
    siteServers: SiteServers;
    /** Destroys the stack (site servers still up: their databases are dropped), then stops every server. */
    close(): Promise<void>;
}

export function localTarget(deployment: LocalDeployment): LocalTarget {
    const stateDir = path.join(deployment.dir, "state");
    const stackConfig = new EngineStackConfig({ stack: deployment.stack.stack, stateDir });
    const siteServers = new SiteServers(deployment.env.password);
    return {
        stackConfig, siteServers,
        deployerFor: (configFile) => new EngineDeployer({
            stack: deployment.stack.stack, configFile, stateDir, localPassword: deployment.env.password,
            beforeUp: async () => {
                const raw = await stackConfig.read(configFile);
                // The new sites' edge computers come online before the update that joins them.
                await siteServers.ensure(parseLocalConfig(raw).sites);
                // A returning edge's objects must be found gone first (docs/fallback.md).
                return { refresh: Object.values(currentModes(raw)).includes("return") };
            },
        }),
        close: async () => {
            try {
                await deployment.cleanup();
            } finally {
                await siteServers.stopAll();
            }
        },
    };
}
