/**
 * `npm run synth -- --stack <name>` also writes `<stack>.mmd` beside the synth JSON: the stack's
 * mesh topology as a Mermaid diagram (see stacks/topology-model.ts), drawn from the stack's
 * `topology` output. A stack without that output is skipped with a note.
 */
import * as fs from "fs";
import * as path from "path";
import type { SynthStep } from "../steps";
import { topologyFromOutputs, topologyToMermaid } from "../../../stacks/topology-model";

export const step: SynthStep = {
    name: "topology",
    run: ({ stack, result, outDir, log }) => {
        const topology = topologyFromOutputs(result.outputs);
        if (!topology) {
            log(`topology: stack ${stack} exports no \`topology\` output; no diagram written`);
            return;
        }
        // The local tier exports its ReplicationMesh's own topology (nodes by name and role), not a stack diagram.
        if (topology.nodes.some((node) => (node as { id?: unknown }).id === undefined && typeof (node as { name?: unknown }).name === "string")) {
            log(`topology: stack ${stack} exports a replication mesh topology, not a stack topology; no diagram written`);
            return;
        }
        const file = path.join(outDir, `${stack}.mmd`);
        fs.writeFileSync(file, topologyToMermaid({ title: stack, ...topology }));
        log(`Wrote ${file}`);
    },
};
