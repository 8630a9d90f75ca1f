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
    private readonly running = new Map<string, LocalPgCluster>();

    /** `password`: the superuser password of the local servers (the stack's AGOGSAAS_LOCAL_PG_PASSWORD). */
    constructor(private readonly password: string) {}

    /** Starts the server of every site not running yet (a retried update finds them up). */
    async ensure(sites: readonly LocalSite[]): Promise<void> {
        for (const site of sites) {
            if (this.running.has(site.id)) continue;
            this.running.set(site.id, await startSiteServer(siteNodeName(site.id), site.port, this.password));
        }
    }

    /** The ids of the sites whose servers run. */
    ids(): string[] {
        return [...this.running.keys()];
    }

    /** The running server of a site (to connect to, stop or kill it). */
    server(id: string): LocalPgInstance {
        const cluster = this.running.get(id);
        if (!cluster) throw new Error(`no server runs for site ${id}`);
        return cluster.instances[0];
    }

    /** Stops every site server and removes its data (after the stack was destroyed: its databases live there). */
    async stopAll(): Promise<void> {
        const clusters = [...this.running.values()];
        this.running.clear();
        await Promise.all(clusters.map((cluster) => cluster.destroy().catch(() => cluster.destroySync())));
    }
}
