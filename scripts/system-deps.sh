#!/usr/bin/env bash
# Debian packages research_kit needs beyond Python's own: Pango for WeasyPrint (PDF findings),
# fonts for charts and PDFs, Chromium for the browser tests of the Voila briefs, and PostgreSQL,
# whose server the tests start in a temporary folder to run the study database on it too.
# Installs the missing ones when run as root on Debian/Ubuntu; otherwise says what to install.
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core chromium postgresql)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: not a Debian-like system; make sure Pango (for WeasyPrint) and Chromium are installed."
  exit 0
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "research_kit needs these Debian packages: ${missing[*]}"
  echo "install them with:  sudo apt-get install -y ${missing[*]}"
  exit 1
fi

echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
