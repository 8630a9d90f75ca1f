import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertBinariesReachable, embeddedBinDir } from "../tools/local-pg/cluster";

describe("local PostgreSQL: binaries reachable by the postgres user", () => {
    it("names the private directory that would make initdb fail with EACCES, and passes an enterable one", function () {
        if (process.getuid?.() !== 0) this.skip(); // only root hands the server to the postgres user
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-reach-"));
        try {
            const bin = path.join(root, "node_modules", "bin");
            fs.mkdirSync(bin, { recursive: true });
            fs.chmodSync(root, 0o700);
            assert.throws(() => assertBinariesReachable(bin), (err: Error) =>
                err.message.includes(`${root} has mode 700`) && err.message.includes(`chmod o+x ${root}`));
            fs.chmodSync(root, 0o755);
            assert.doesNotThrow(() => assertBinariesReachable(bin));
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("finds the installed binaries", () => {
        assert.ok(fs.existsSync(path.join(embeddedBinDir(), "initdb")), embeddedBinDir());
    });
});
