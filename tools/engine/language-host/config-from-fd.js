// Preloaded (`node --require`) by tools/engine/language-host when a stack's config is too large
// for an environment variable: Linux refuses to start a process with one environment string over
// 128 KiB (E2BIG, pulumi/pulumi#8680), and the SDK reads the config from PULUMI_CONFIG. The host
// writes the config into a pipe on the fd named by AGOGSAAS_PULUMI_CONFIG_FD; this puts it where
// the SDK reads it, before the SDK loads. Nothing touches the disk (the config holds secrets).
"use strict";
const fs = require("fs");
const fd = Number(process.env.AGOGSAAS_PULUMI_CONFIG_FD);
if (Number.isInteger(fd) && fd > 2) {
    const chunks = [];
    const buffer = Buffer.alloc(1 << 16);
    for (;;) {
        let n;
        try {
            n = fs.readSync(fd, buffer, 0, buffer.length, null);
        } catch (err) {
            if (err.code === "EAGAIN") continue;
            throw err;
        }
        if (n === 0) break;
        chunks.push(Buffer.from(buffer.subarray(0, n)));
    }
    fs.closeSync(fd);
    process.env.PULUMI_CONFIG = Buffer.concat(chunks).toString("utf8");
    delete process.env.AGOGSAAS_PULUMI_CONFIG_FD;
}
