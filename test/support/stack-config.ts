/** The shipped stacks' real config, editable per test (config and stack tests share these). */
import * as path from "path";
import { loadStackConfigFiles } from "../../tools/synth/stack-config";

export const ROOT = path.join(__dirname, "..", "..");

/** Fully qualified config as the CLI's PULUMI_CONFIG holds it (structured values JSON-encoded). */
export type Config = Record<string, string>;

/** The real config of `stack` (Pulumi.yaml defaults + Pulumi.<stack>.yaml), with `edit` applied. */
export function configOf(stack: string, edit: (config: Config) => void = () => undefined): Config {
    const { config } = loadStackConfigFiles(stack, ROOT);
    edit(config);
    return config;
}

/** Edits a structured (JSON-encoded) config value in place. */
export function editObject<T>(config: Config, key: string, edit: (value: T) => void): void {
    const value = JSON.parse(config[key]) as T;
    edit(value);
    config[key] = JSON.stringify(value);
}
