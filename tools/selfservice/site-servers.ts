/**
 * The servers of the sites self-service adds to the local stack (stacks/local-sites.ts): each
 * stands for a new edge computer coming online at its factory, so it is started when the approved
 * update is about to run, on the port the request gave it, and stopped with the deployment.
 */
import type { LocalSite } from "../../stacks/local-sites";
import { siteNodeName } from "../../stacks/local-sites";
import { startSiteServer } from "../demo/environment";
import type { LocalPgCluster, LocalPgInstance } from "../local-pg/cluster";

export class SiteServers {
    private readonly running = new Map<string, { port: number; cluster: LocalPgCluster }>();

    /** `password`: the superuser password of the local servers (the stack's AGOGSAAS_LOCAL_PG_PASSWORD). */
    constructor(private readonly password: string) {}

    /**
     * Starts the server of every site not started yet, and again on its new port a site requested
     * anew (an earlier request for the same id that was never applied). A server that was started
     * and stopped (the edge computer offline) stays down: its update fails until it is back.
     */
    async ensure(sites: readonly LocalSite[]): Promise<void> {
        for (const site of sites) {
            const started = this.running.get(site.id);
            if (started?.port === site.port) continue;
            if (started) {
                this.running.delete(site.id);
                await started.cluster.destroy().catch(() => started.cluster.destroySync());
            }
            this.running.set(site.id, { port: site.port, cluster: await startSiteServer(siteNodeName(site.id), site.port, this.password) });
        }
    }

    /** The ids of the sites whose servers run. */
    ids(): string[] {
        return [...this.running.keys()];
    }

    /** The running server of a site (to connect to, stop or kill it). */
    server(id: string): LocalPgInstance {
        const started = this.running.get(id);
        if (!started) throw new Error(`no server was started for site ${id}`);
        return started.cluster.instances[0];
    }

    /** Stops every site server and removes its data (after the stack was destroyed: its databases live there). */
    async stopAll(): Promise<void> {
        const clusters = [...this.running.values()].map((started) => started.cluster);
        this.running.clear();
        await Promise.all(clusters.map((cluster) => cluster.destroy().catch(() => cluster.destroySync())));
    }
}
