#!/usr/bin/env bash
# `npm start [-- FLAGS]`: set up the checkout, build, and run `skiff server`
# in the foreground with FLAGS. Without --data-dir the server keeps its state
# in /var/lib/skiff as root (~/.skiff otherwise; SKIFF_DATA_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
SKIFF_SETUP_SKIP_BUILD=1 bash scripts/setup.sh
npm run --silent build
exec node bin/skiff server "$@"
