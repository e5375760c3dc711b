#!/usr/bin/env bash
# The workspace's browser tests drive Debian's chromium (never a downloaded browser).
# Installs it quietly when it is missing; does nothing when it is there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
sudo_if_needed=()
if [ "$(id -u)" != "0" ]; then sudo_if_needed=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_if_needed[@]}" apt-get update -qq >/dev/null
"${sudo_if_needed[@]}" apt-get install -y -qq chromium >/dev/null
