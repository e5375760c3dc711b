#!/usr/bin/env bash
# Debian's Prometheus (and promtool) for the tests that scrape a running stack and check the
# alert rules (tests/operability/). Idempotent: nothing to do when it is installed.
set -euo pipefail
if [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; then exit 0; fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends prometheus
