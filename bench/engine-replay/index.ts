/**
 * Replays the graph in $AGOGSAAS_REPLAY_GRAPH (a RecordedGraph JSON file) with plain SDK resources,
 * `plain` wiring: under the real engine the `wired` one cannot preview, since an input made from
 * `dep.id.apply(...)` is unknown until `dep` exists, and the PostgreSQL resources' check refuses
 * unknown item lists. The library's own values are known at preview, as plain ones are.
 */
import * as fs from "fs";
import { replayProgram } from "../synth/replay";

const file = process.env.AGOGSAAS_REPLAY_GRAPH;
if (!file) throw new Error("AGOGSAAS_REPLAY_GRAPH: not set (the recorded graph to replay; bench/engine-preview.ts sets it)");
export = replayProgram(JSON.parse(fs.readFileSync(file, "utf8")), "plain")();
