/**
 * The `topology` stack output: the regional stack's mesh as the plain, JSON-serialisable Topology
 * that stacks/topology-model.ts draws (`npm run synth` writes it as `<stack>.mmd`).
 */
import type { Topology, TopologyNode } from "./topology-model";
import { EDGE_SIZES } from "../components/edge-site/sizes";
import { StackConfig } from "./config";
import { MeshPlanOfStack, PlannedNode } from "./mesh";

const DATABASE_SERVICE = { aws: "RDS PostgreSQL 16", azure: "Flexible Server PostgreSQL 16" } as const;

/** Topology ids: facility ids for edges, `<stack>/<color>` for colour databases, `<stack>/peering` for peering databases. */
function nodeId(node: PlannedNode, stack: string): string {
    switch (node.source.kind) {
        case "facility": return node.source.facility.id;
        case "fallback": return `${stack}/fallback/${node.source.facility.id}`;
        case "peer": return `${node.source.peer.stack}/peering`;
        case "peering": return `${stack}/peering`;
        case "colour": return `${node.name.slice(0, -node.source.color.length - 1).replace(/_/g, "-")}/${node.source.color}`;
    }
}

function topologyNode(config: StackConfig, node: PlannedNode): TopologyNode {
    const source = node.source;
    switch (source.kind) {
        case "facility": {
            const f = source.facility;
            return {
                id: f.id, label: `${f.name} (${f.id})`, tier: "edge", zone: f.zone, offline: f.offline,
                detail: `${f.size} · ${EDGE_SIZES[f.size].hardware.split(",")[0]}${f.edgeDeployment === "stacks" ? ` · stack ${f.edgeStack}` : ""}`,
            };
        }
        case "fallback":
            return {
                id: nodeId(node, config.stack), label: `${source.facility.name} cloud fallback`, tier: "regional", zone: source.facility.zone,
                detail: `workspace ${node.name} · ${DATABASE_SERVICE[config.cloud]}`,
            };
        case "colour":
            return {
                id: nodeId(node, config.stack), label: `${config.stack} ${source.color}`, tier: "regional", zone: config.zone,
                detail: `${source.color === config.activeColor ? "active" : "preview"} · ${DATABASE_SERVICE[config.cloud]}`,
            };
        case "peering":
            return { id: nodeId(node, config.stack), label: `${config.stack} peering`, tier: "regional", zone: config.zone, detail: "aggregates offered to peer regions" };
        case "peer":
            return { id: nodeId(node, config.stack), label: `${source.peer.stack} peering`, tier: "regional", zone: source.peer.zone, detail: "peer region (managed by its own stack)" };
    }
}

/** The mesh plus the federation gateway, as Topology. */
export function stackTopology(config: StackConfig, plan: MeshPlanOfStack, gatewayHost: string): Topology {
    const byName = new Map(plan.nodes.map((n) => [n.name, n]));
    const offline = (name: string) => byName.get(name)!.offline === true;
    return {
        title: config.stack,
        nodes: [
            ...plan.nodes.map((n) => topologyNode(config, n)),
            { id: `${config.stack}/gateway`, label: `Federation gateway ${gatewayHost}`, tier: "global", zone: config.zone, detail: "read-only GraphQL (Hive Gateway)" },
        ],
        flows: plan.flows.map((flow) => ({
            from: nodeId(byName.get(flow.from)!, config.stack),
            to: nodeId(byName.get(flow.to)!, config.stack),
            tables: [...flow.tables],
            ...(flow.rowFilter ? {
                filter: "equals" in flow.rowFilter
                    ? { column: flow.rowFilter.column, equals: String(flow.rowFilter.equals) }
                    : `${flow.rowFilter.column} in (${flow.rowFilter.in.map(String).join(", ")})`,
            } : {}),
            ...(offline(flow.from) || offline(flow.to) ? { disabled: true } : {}),
        })),
    };
}
