/** Stack outputs: plain values and Outputs (secret ones wrapped with `pulumi.secret`). Its own module so each tier's program can name it without importing the dispatcher of tiers (stacks/program.ts). */
export type StackOutputs = Record<string, unknown>;
