#!/usr/bin/env bash
# The Debian packages the test suite needs besides npm, in one place:
#   chromium           browser tests (Playwright cannot download browsers here)
#   jing               Atom feeds against RFC 4287's RELAX NG schema (brings a Java runtime)
#   python3-feedparser feeds read as a feed reader reads them
#   default-jre-headless the Nu Html Checker (vnu-jar, from npm) validates every page
# `check` (run first by `npm test`) names what is missing and the one line that
# installs it, and fails; `install` (run by .ci/run) installs what is missing.
set -euo pipefail
packages=(chromium jing python3-feedparser default-jre-headless)

missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v jing >/dev/null 2>&1 || missing+=(jing)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
# Debian's feedparser is for the system Python, which a pyenv or venv on PATH would hide.
python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" -c 'import feedparser' >/dev/null 2>&1 || missing+=(python3-feedparser)

case "${1:-check}" in
  check)
    if [ ${#missing[@]} -gt 0 ]; then
      echo "The tests need these Debian packages, missing here: ${missing[*]}" >&2
      echo "Install them once with:  sudo apt-get install -y ${packages[*]}" >&2
      exit 1
    fi
    ;;
  install)
    if [ ${#missing[@]} -gt 0 ]; then
      as_root=""
      [ "$(id -u)" -eq 0 ] || as_root="sudo"
      $as_root apt-get update -qq >/dev/null
      $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    ;;
  *)
    echo "usage: $0 [check|install]" >&2
    exit 2
    ;;
esac
