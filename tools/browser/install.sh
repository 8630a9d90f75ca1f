#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright's playwright-core drives it; no browser is
# downloaded by a test tool). Idempotent: a no-op when /usr/bin/chromium exists. Needs root (apt).
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends chromium chromium-driver >/dev/null 2>&1 ||
        { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium chromium-driver >/dev/null; }
fi
/usr/bin/chromium --version 2>/dev/null
