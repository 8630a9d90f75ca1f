/**
 * Our Node.js language host (tools/engine/language-host) outlives no engine: like the upstream
 * hosts it checks the engine that started it and stops when it is gone (a CLI killed with -9
 * would otherwise leave it running for good, as the crash test did).
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { engineBinDir } from "../../tools/engine/cli";

/** A stand-in for the engine's address: a gRPC server with no services (a health check then answers Unimplemented, which counts as alive). */
async function fakeEngine(): Promise<{ address: string; stop: () => void }> {
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))));
    return { address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

describe("our Node.js language host", function () {
    this.timeout(60_000);

    it("serves while its engine answers, and exits once the engine is gone", async () => {
        const engine = await fakeEngine();
        const host = spawn(path.join(engineBinDir(), "pulumi-language-nodejs"), [engine.address], {
            env: { ...process.env, AGOGSAAS_ENGINE_HEALTH_INTERVAL: "200ms" }, stdio: ["ignore", "pipe", "pipe"],
        });
        const exited = new Promise<number | null>((resolve) => host.on("exit", (code) => resolve(code)));
        /** "exited" as soon as the host exits, "running" if it still runs after `ms`. */
        const stateWithin = (ms: number) => Promise.race([exited.then(() => "exited"), new Promise((r) => setTimeout(() => r("running"), ms))]);
        try {
            const port = await new Promise<string>((resolve, reject) => {
                host.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
                host.once("exit", () => reject(new Error("the host exited before printing its port")));
            });
            assert.match(port, /^\d+$/, "the host prints its port first");
            // Several health checks pass: it keeps serving.
            assert.strictEqual(await stateWithin(1500), "running");
            engine.stop();
            assert.strictEqual(await stateWithin(10_000), "exited", "the host must stop once its engine is gone");
        } finally {
            host.kill("SIGKILL");
            engine.stop();
        }
    });
});
