/**
 * The hosts and URLs a region serves under its public hostname. One place, because the regional
 * stack publishes them and the edge sites (inline or in their own stacks) report to them.
 */

/** Public hosts: the web app at the hostname itself, the API and the federation gateway one level below. */
export function regionalHosts(publicHostname: string): { app: string; api: string; graphql: string } {
    return { app: publicHostname, api: `api.${publicHostname}`, graphql: `graphql.${publicHostname}` };
}

export interface RegionalUrls {
    /** The app (frontend), served by the active color. */
    publicUrl: string;
    /** The backend API the edge backends sync with. */
    apiUrl: string;
    /** Where edge health monitors report every 30 s. */
    edgeHealthUrl: string;
}

export function regionalUrls(publicHostname: string): RegionalUrls {
    const hosts = regionalHosts(publicHostname);
    return { publicUrl: `https://${hosts.app}`, apiUrl: `https://${hosts.api}`, edgeHealthUrl: `https://${hosts.api}/edge-health` };
}
