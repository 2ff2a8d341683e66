#!/usr/bin/env bash
# `npm start [-- FLAGS]`: set up the checkout, build, and run `skiff server`
# in the foreground. FLAGS go to `skiff server`; without --data-dir the data
# lives in /var/lib/skiff (root) or ~/.local/share/skiff (other users).
set -euo pipefail
cd "$(dirname "$0")/.."
SKIFF_SETUP_SKIP_BUILD=1 bash scripts/setup.sh
npm run --silent build
args=("$@")
has_data_dir=0
for a in "${args[@]}"; do
  case "$a" in --data-dir|--data-dir=*) has_data_dir=1 ;; esac
done
if [ "$has_data_dir" = 0 ]; then
  if [ "$(id -u)" = 0 ]; then data_dir=/var/lib/skiff
  else data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/skiff"; fi
  args=(--data-dir "$data_dir" "${args[@]}")
fi
exec node bin/skiff server "${args[@]}"
