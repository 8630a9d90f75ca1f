/**
 * What the self-service server asks of Pulumi, through the Automation API
 * (`@pulumi/pulumi/automation`) driving the engine tools/engine/install.sh built: a preview with
 * the policy pack, and an update whose engine output streams to the page.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as automation from "@pulumi/pulumi/automation";
import { assertZone } from "../../components/shared/sovereignty";
import { packArgs } from "../../policy/pack";
import { CHECKOUT, LOCAL_PASSPHRASE, engineBinDir, engineEnv } from "../engine/cli";
import { policyConfigForZone } from "../policy/stack-options";
import { rawConfigOf } from "../engine/local-stack";
import { LOCAL_PASSWORD_ENV } from "../../stacks/local";

export interface OperationResult {
    ok: boolean;
    /** The engine's output (what `pulumi` printed). */
    output: string;
    /** The engine's error message when `ok` is false. */
    error?: string;
    /** Resource changes by kind (`create: 2`, `same: 33`). */
    changes?: Record<string, number>;
}

/** Pulumi operations on one stack and its config file. */
export interface Deployer {
    preview(onOutput?: (chunk: string) => void): Promise<OperationResult>;
    up(onOutput?: (chunk: string) => void): Promise<OperationResult>;
}

export interface EngineDeployerOptions {
    /** Stack name. Required. */
    stack: string;
    /** The stack's config file (what the forms edit). Required. */
    configFile: string;
    /** File backend and PULUMI_HOME. Required. */
    stateDir: string;
    /** The local servers' superuser password (the local stack reads it from the environment). Required. */
    localPassword: string;
    /**
     * Runs before each update (the self-service tool starts new sites' servers here) and says
     * whether it runs with `--refresh` (a returning edge needs it: docs/fallback.md); default: nothing, no refresh.
     */
    beforeUp?: () => Promise<{ refresh: boolean }>;
}

function message(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/**
 * The engine's own account of a failure: the `Diagnostics:` section of its output (each failed
 * resource and its error), else the first line of the Automation API's error, which otherwise
 * repeats the whole command output.
 */
export function engineError(output: string, error: unknown): string {
    const lines = output.split("\n");
    const start = lines.findIndex((line) => line.trim() === "Diagnostics:");
    if (start >= 0) {
        const end = lines.findIndex((line, i) => i > start && line.length > 0 && !/^\s/.test(line));
        const section = lines.slice(start + 1, end < 0 ? undefined : end).join("\n").trim();
        if (section) return section.replace(/\n{2,}/g, "\n");
    }
    return message(error).split("\n")[0];
}

/** The real engine, on a file backend, with the stack's policy pack config for its zone. */
export class EngineDeployer implements Deployer {
    constructor(private readonly options: EngineDeployerOptions) {}

    private async stack(): Promise<automation.Stack> {
        const env = engineEnv({ stateDir: this.options.stateDir, passphrase: LOCAL_PASSPHRASE });
        const envVars = Object.fromEntries(Object.entries({ ...env, [LOCAL_PASSWORD_ENV]: this.options.localPassword })
            .filter((entry): entry is [string, string] => entry[1] !== undefined));
        const pulumiCommand = await automation.PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: false });
        const workspace = await automation.LocalWorkspace.create({ workDir: CHECKOUT, pulumiCommand, envVars, pulumiHome: env.PULUMI_HOME });
        return automation.Stack.createOrSelect(this.options.stack, workspace);
    }

    /** The `--policy-pack-config` file for the stack's zone. */
    private policyConfig(): string {
        const zone = assertZone("agogsaas:zone", rawConfigOf(this.options.configFile)["agogsaas:zone"]);
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "agogsaas-policy-")), "policy-config.json");
        // The local stack spans zones: only the policies that take the zone as a required setting apply per stack.
        fs.writeFileSync(file, JSON.stringify(policyConfigForZone(zone, packArgs.policies, true)));
        return file;
    }

    preview(onOutput?: (chunk: string) => void): Promise<OperationResult> {
        return this.run(onOutput, async (stack, options) => ({ changes: (await stack.preview(options)).changeSummary as Record<string, number> }));
    }

    async up(onOutput?: (chunk: string) => void): Promise<OperationResult> {
        let refresh: boolean | undefined;
        try {
            refresh = (await this.options.beforeUp?.())?.refresh;
        } catch (error) {
            return { ok: false, output: "", error: `before the update: ${message(error)}` };
        }
        return this.run(onOutput, async (stack, options) => ({ changes: (await stack.up({ ...options, refresh })).summary.resourceChanges as Record<string, number> }));
    }

    /** One operation with the stack's config file, the policy pack and the output collected (and streamed). */
    private async run(onOutput: ((chunk: string) => void) | undefined,
        operation: (stack: automation.Stack, options: automation.PreviewOptions & automation.UpOptions) => Promise<{ changes: Record<string, number> }>): Promise<OperationResult> {
        let output = "";
        const collect = (chunk: string) => { output += chunk; onOutput?.(chunk); };
        let policyConfig: string | undefined;
        try {
            policyConfig = this.policyConfig();
            const { changes } = await operation(await this.stack(), {
                configFile: this.options.configFile, policyPacks: [path.join(CHECKOUT, "policy")], policyPackConfigs: [policyConfig],
                onOutput: collect,
            });
            return { ok: true, output, changes };
        } catch (error) {
            return { ok: false, output, error: engineError(output, error) };
        } finally {
            if (policyConfig) fs.rmSync(path.dirname(policyConfig), { recursive: true, force: true });
        }
    }
}
