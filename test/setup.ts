// mocha sets Error.stackTraceLimit = Infinity; the Pulumi SDK captures a stack for every
// promise it creates, which makes mock-runtime tests several times slower. Restore node's default.
Error.stackTraceLimit = 10;
