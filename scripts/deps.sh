#!/usr/bin/env bash
# Installs the Debian packages pasaprod needs to build, test and run, when missing.
# Usage: scripts/deps.sh [--browser] [--fuzz] [--cluster]
#   --browser: also Chromium and Node.js for browser tests
#   --fuzz:    also clang 16, its libFuzzer/sanitizer runtimes and llvm-symbolizer (the sanitizer
#              build of scripts/test.sh, tests/fuzz, docs/fuzzing.md).
#              Not Debian's default clang 14: with GCC 12's libstdc++ it cannot compile std::views.
set -euo pipefail

browser=false fuzz=false cluster=false
for arg in "$@"; do
  case "$arg" in
    --browser) browser=true ;;
    --fuzz) fuzz=true ;;
    --cluster) cluster=true ;;
    *) echo "usage: scripts/deps.sh [--browser] [--fuzz] [--cluster]" >&2; exit 2 ;;
  esac
done

packages=(build-essential cmake pkg-config
  libboost-dev libsqlite3-dev libpq-dev nlohmann-json3-dev libsodium-dev libssl-dev
  libcli11-dev libyaml-cpp-dev libldap-dev libspdlog-dev libfmt-dev libcairo2-dev libpango1.0-dev
  libkainjow-mustache-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev libmimalloc-dev
  sqlite3 poppler-utils curl fonts-dejavu-core tzdata)
# Test-only: promtool (package prometheus) checks GET /metrics' output (tests/ops). The unit
# test uses systemd-analyze when present (package systemd) and skips otherwise.
packages+=(prometheus)
# Test-only: a real SMTP server for the mail tests (tests/mail) and an iCalendar parser for the
# calendar tests (tests/calendar), both run with /usr/bin/python3.
packages+=(python3-aiosmtpd python3-icalendar)
# Test-only: a throw-away slapd for the directory sign-in tests (tests/ldap; label ldap).
packages+=(slapd ldap-utils)
# Test-only: PostgreSQL 15's server for the throw-away cluster of the PostgreSQL backend's tests
# (tests/fixtures/pg_cluster.sh; label postgres). No cluster of the system's own (see below).
packages+=(postgresql-15)
if $fuzz; then
  # llvm-16: llvm-symbolizer-16, which clang's sanitizers need to print file:line stack traces.
  packages+=(clang-16 libclang-rt-16-dev llvm-16)
fi
if $cluster; then
  packages+=(haproxy)  # scripts/cluster.sh: two nodes behind one address
fi
if $browser; then
  packages+=(chromium)
  # Node.js from another source (e.g. NodeSource) bundles npm and conflicts with Debian's npm:
  # ask for the Debian packages only when the commands are missing.
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "pasaprod: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # slapd is for tests only: no system directory database (the tests start their own slapd).
  if [[ " ${missing[*]} " == *" slapd "* ]]; then
    echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
  fi
  # postgresql-15 is for tests only: its postinst would create (and start) a cluster "15/main" on
  # port 5432; with create_main_cluster = false it creates none, so there is nothing to start.
  if [[ " ${missing[*]} " == *" postgresql-15 "* ]]; then
    mkdir -p /etc/postgresql-common/createcluster.d
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/pasaprod-no-main-cluster.conf
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# valijson (JSON Schema validation, header-only). Debian's libvalijson-dev hard-depends on ~80
# packages (Qt, Poco, MariaDB...) it does not need: extract its headers to /opt/valijson instead.
if [[ ! -f /usr/include/valijson/validator.hpp && ! -f /opt/valijson/usr/include/valijson/validator.hpp ]]; then
  echo "pasaprod: extracting libvalijson-dev to /opt/valijson" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq libvalijson-dev)
  mkdir -p /opt/valijson
  dpkg-deb -x "$tmp"/libvalijson-dev_*.deb /opt/valijson
  rm -rf "$tmp"
fi
