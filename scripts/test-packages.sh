#!/usr/bin/env bash
# The Debian packages the test suite needs besides npm, in one place:
#   chromium           browser tests (Playwright cannot download browsers here)
#   jing               Atom feeds against RFC 4287's RELAX NG schema (brings a Java runtime)
#   python3-feedparser feeds read as a feed reader reads them
#   default-jre-headless the Nu Html Checker (vnu-jar, from npm) validates every page
#   prometheus-alertmanager the real Alertmanager posts alerts to Herald (test/alerts/alertmanager.test.ts;
#                      the test starts its own process: the package's service is never needed)
# `check` (run first by `npm test`) names what is missing and the one line that
# installs it, and fails; `install` (run by .ci/run) installs what is missing.
set -euo pipefail
packages=(chromium jing python3-feedparser default-jre-headless prometheus-alertmanager)

missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v jing >/dev/null 2>&1 || missing+=(jing)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
# Debian's feedparser is for the system Python, which a pyenv or venv on PATH would hide.
python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" -c 'import feedparser' >/dev/null 2>&1 || missing+=(python3-feedparser)
[ -x "${ALERTMANAGER_PATH:-/usr/bin/prometheus-alertmanager}" ] || missing+=(prometheus-alertmanager)

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
      # prometheus-alertmanager's postinst starts its service: through systemd
      # (a daemon left on :9093), or through its init script without systemd,
      # where a failed start fails the whole install. The tests start their
      # own process and never use the service, so while apt-get runs, a
      # policy-rc.d (the hook invoke-rc.d and deb-systemd-invoke ask first)
      # denies every service start, unless the machine has its own already.
      policy=/usr/sbin/policy-rc.d
      ours=""
      if [ ! -e "$policy" ]; then
        ours=1
        trap '$as_root rm -f "$policy"' EXIT
        printf '#!/bin/sh\n# Written by Herald scripts/test-packages.sh while installing test packages.\nexit 101\n' | $as_root tee "$policy" >/dev/null
        $as_root chmod 755 "$policy"
      fi
      $as_root apt-get update -qq >/dev/null
      $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
      if [ -n "$ours" ]; then
        $as_root rm -f "$policy"
        trap - EXIT
      fi
    fi
    ;;
  *)
    echo "usage: $0 [check|install]" >&2
    exit 2
    ;;
esac
