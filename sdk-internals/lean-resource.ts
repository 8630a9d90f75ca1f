/**
 * Registers a provider's resource declaring only the properties the program sets or reads.
 *
 * Why: a provider SDK class declares every property of its resource as an Output
 * (`docker.Container` declares 78), and the Node SDK builds each of them — about ten promises and a
 * dozen closures — whether anyone reads it or not. A facility has four containers, four images,
 * two volumes and a network; at 1,000 facilities those unread Outputs are most of the stack
 * program's time and memory (docs/scale.md). The engine sees exactly what the SDK class sends:
 * the same type token, name, inputs, options and provider plugin version.
 *
 * The inputs stay type-checked: callers pass the provider SDK's own `...Args` interface.
 */
import * as pulumi from "@pulumi/pulumi";

/** A resource whose declared properties are its inputs plus `outputs` (read with {@link LeanResource.output}). */
export class LeanResource extends pulumi.CustomResource {
    private readonly declared: ReadonlySet<string>;

    constructor(
        type: string,
        name: string,
        inputs: object,
        /** Output properties the program reads besides the inputs (each becomes an Output). */
        outputs: readonly string[],
        /** The provider SDK package's version (the engine picks the plugin by it), e.g. from its package.json. */
        pluginVersion: string,
        opts?: pulumi.CustomResourceOptions,
    ) {
        const declared: Record<string, unknown> = { ...inputs };
        for (const output of outputs) if (!(output in declared)) declared[output] = undefined;
        super(type, name, declared, { version: pluginVersion, ...opts });
        this.declared = new Set(Object.keys(declared));
    }

    /** A declared property (an input or one of `outputs`); throws on any other name. */
    public output<T = unknown>(property: string): pulumi.Output<T> {
        if (!this.declared.has(property)) throw new Error(`${property}: not a declared property of this resource (declared: ${[...this.declared].sort().join(", ")})`);
        return (this as unknown as Record<string, pulumi.Output<T>>)[property];
    }
}
