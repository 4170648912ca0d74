#!/usr/bin/env bash
# The browser of the website check (`make site-check`): print the path of Chromium or
# Chrome on stdout, its version on stderr.
#
# Looks at $CHROMIUM, then chromium, chromium-browser, google-chrome and
# google-chrome-stable on the PATH, then the macOS app bundles. If none is found and
# this is Debian or Ubuntu, as root, it installs Debian's `chromium` with apt-get;
# anywhere else it stops with one line naming the command to run.
#
#   tools/ensure_chromium.sh          find it, or install it where that is possible
#   tools/ensure_chromium.sh --find   only find it (tests/site/test_site.py)
set -euo pipefail

find_browser() {
  if [ -n "${CHROMIUM:-}" ]; then
    [ -x "$CHROMIUM" ] && { echo "$CHROMIUM"; return 0; }
    echo "CHROMIUM=$CHROMIUM is not an executable file: fix or unset it" >&2
    exit 1
  fi
  local name app
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$name" 2>/dev/null && return 0
  done
  for app in "/Applications/Chromium.app/Contents/MacOS/Chromium" \
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" \
    "$HOME/Applications/Chromium.app/Contents/MacOS/Chromium" \
    "$HOME/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"; do
    [ -x "$app" ] && { echo "$app"; return 0; }
  done
  return 1
}

if ! browser=$(find_browser); then
  if [ "${1:-}" = "--find" ]; then
    echo "no Chromium or Chrome found: run 'make site-check' (it installs one on" \
      "Debian/Ubuntu as root), install one, or set CHROMIUM=/path/to/it" >&2
    exit 1
  elif [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "no Chromium or Chrome found: installing Debian's chromium (apt-get)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    browser=$(find_browser) || { echo "apt-get installed no chromium" >&2; exit 1; }
  elif [ -f /etc/debian_version ]; then
    echo "no Chromium or Chrome found: run 'sudo apt-get install -y chromium'" \
      "(or set CHROMIUM=/path/to/chrome)" >&2
    exit 1
  elif [ "$(uname -s)" = Darwin ]; then
    echo "no Chromium or Chrome found: run 'brew install --cask chromium'" \
      "(or set CHROMIUM=/path/to/chrome)" >&2
    exit 1
  else
    echo "no Chromium or Chrome found: install Chromium or Google Chrome with your" \
      "system's package manager, or set CHROMIUM=/path/to/it" >&2
    exit 1
  fi
fi
echo "browser: $browser ($("$browser" --version 2>/dev/null || echo 'version unknown'))" >&2
echo "$browser"
