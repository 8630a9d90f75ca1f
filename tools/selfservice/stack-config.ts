/**
 * The self-service server's access to a stack's config files through the engine's CLI, so that
 * secrets stay Pulumi secrets: values are read as the program sees them (decrypted with the
 * stack's secrets provider) and secret values are written encrypted (`config set --secret`),
 * taken from standard input so they never appear on a command line.
 */
import type { RawConfig } from "../../stacks/config";
import { LOCAL_PASSPHRASE, pulumiOk } from "../engine/cli";

export interface StackConfigAccess {
    /** A config file's values as the program receives them (objects as JSON, secrets decrypted). */
    read(configFile: string): Promise<RawConfig>;
    /** Sets `path` (a config path such as `agogsaas:localSites[2].site.itContact.email`) to a secret value. */
    setSecret(configFile: string, path: string, value: string): Promise<void>;
}

export interface EngineStackConfigOptions {
    /** The stack whose secrets provider encrypts (it must exist on the backend). Required. */
    stack: string;
    /** File backend and PULUMI_HOME of that stack. Required. */
    stateDir: string;
    /** The stack's passphrase; default the local stacks' (docs/engine.md). */
    passphrase?: string;
}

export class EngineStackConfig implements StackConfigAccess {
    constructor(private readonly options: EngineStackConfigOptions) {}

    /** `pulumi <args> --config-file <file> --stack <stack>`, the value (if any) on standard input. */
    private run(args: string[], configFile: string, input?: string) {
        return pulumiOk([...args, "--config-file", configFile, "--stack", this.options.stack],
            { stateDir: this.options.stateDir, passphrase: this.options.passphrase ?? LOCAL_PASSPHRASE, input });
    }

    async read(configFile: string): Promise<RawConfig> {
        const run = await this.run(["config", "--json", "--show-secrets"], configFile);
        const values = JSON.parse(run.stdout) as Record<string, { value?: string }>;
        return Object.fromEntries(Object.entries(values).flatMap(([key, entry]) => entry.value === undefined ? [] : [[key, entry.value]]));
    }

    async setSecret(configFile: string, path: string, value: string): Promise<void> {
        await this.run(["config", "set", "--path", "--secret", path], configFile, value);
    }
}
