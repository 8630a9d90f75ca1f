#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver for the browser tests (playwright-core drives /usr/bin/chromium,
# test/support/browser.ts; no test tool downloads a browser). Installs packages chromium and
# chromium-driver with apt-get when /usr/bin/chromium or /usr/bin/chromedriver is missing:
# non-interactive, without recommends, and `apt-get update` only when the install fails without it.
# Idempotent: with both present it only prints the version (well under a second). Needs root (apt).
# Prints Chromium's version last. Log of an install: ${TMPDIR:-/tmp}/agogsaas-chromium-install.log.
set -euo pipefail
fail() { echo "browser: error: $*" >&2; exit 1; }
readonly CHROMIUM=/usr/bin/chromium CHROMEDRIVER=/usr/bin/chromedriver PACKAGES=(chromium chromium-driver)
if [[ ! -x $CHROMIUM || ! -x $CHROMEDRIVER ]]; then
  [[ $(id -u) -eq 0 ]] || fail "$CHROMIUM is missing and installing ${PACKAGES[*]} needs root (apt-get)"
  command -v apt-get >/dev/null || fail "$CHROMIUM is missing and there is no apt-get (Debian's ${PACKAGES[*]} are expected)"
  log=${TMPDIR:-/tmp}/agogsaas-chromium-install.log
  started=$(date +%s)
  echo "browser: installing Debian's ${PACKAGES[*]} with apt-get (log: $log)"
  apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >>"$log" 2>&1; }
  : >"$log"
  if ! apt_install; then
    echo "browser: install failed without fresh package lists; running apt-get update" | tee -a "$log"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$log" 2>&1 && apt_install; }; then
      tail -15 "$log" | sed 's/^/  /' >&2
      fail "apt-get could not install ${PACKAGES[*]} (full log: $log)"
    fi
  fi
  [[ -x $CHROMIUM && -x $CHROMEDRIVER ]] || fail "apt-get finished but $CHROMIUM or $CHROMEDRIVER is still missing (log: $log)"
  echo "browser: installed in $(( $(date +%s) - started ))s"
fi
# Debian's launcher script warns on stderr about /dev/shm on some machines; only the version matters.
version=$("$CHROMIUM" --version 2>/dev/null) || fail "$CHROMIUM --version failed"
echo "browser: $version ($CHROMIUM; $("$CHROMEDRIVER" --version 2>/dev/null | cut -d' ' -f1-2))"
