/**
 * The tail every command-line entry point shares: when the file is run directly (not imported by a
 * test), run `main(argv)`, use its number as the exit code (none: what `main` set stands), and
 * report an unexpected throw.
 */
export interface RunCliOptions {
    /** Exit code for an unexpected error; default 1. */
    crashCode?: number;
    /** Prefix of the error line, e.g. the command name; default none. */
    prefix?: string;
    /** Print the stack of an unexpected error rather than its message only; default true. */
    showStack?: boolean;
}

export function runCli(entry: NodeModule, main: (argv: string[]) => Promise<number | void>, options: RunCliOptions = {}): void {
    if (require.main !== entry) return;
    const { crashCode = 1, prefix, showStack = true } = options;
    main(process.argv.slice(2)).then(
        (code) => { if (typeof code === "number") process.exitCode = code; },
        (err: unknown) => {
            const text = err instanceof Error ? (showStack ? err.stack ?? err.message : err.message) : String(err);
            console.error(prefix ? `${prefix}: ${text}` : text);
            process.exitCode = crashCode;
        },
    );
}
