/**
 * Entry point of the provider plugin `pulumi-resource-agogsaas` (bin/): serves the PostgreSQL
 * resources' CRUD to the Pulumi engine over gRPC. docs/provider.md says how the engine finds it.
 */
import * as fs from "fs";
import * as path from "path";
import { main } from "@pulumi/pulumi/provider";
import { PgPluginProvider } from "./pg-plugin";
import { acceptImportReads } from "./import-read-request";

/** The package version, from the package.json above this file (source: ../, built: ../../). */
function packageVersion(): string {
    for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file)) return String((JSON.parse(fs.readFileSync(file, "utf8")) as { version?: string }).version ?? "0.0.0");
    }
    return "0.0.0";
}

acceptImportReads();
void main(new PgPluginProvider(packageVersion()), process.argv.slice(2));
