#!/usr/bin/env bash
# The one test command (README, .ci/run): install what is missing, build
# (type-check included), then run every test with node's test runner.
# Unit tests live beside their code as src/**/*.test.ts; cluster tests under
# test/e2e/. Pass file or folder names to run only those.
set -euo pipefail
cd "$(dirname "$0")/.."
SKIFF_SETUP_SKIP_BUILD=1 bash scripts/setup.sh
npm run --silent build
if [ $# -gt 0 ]; then
  mapfile -t files < <(for a in "$@"; do find "$a" -name '*.test.ts'; done | sort)
else
  mapfile -t files < <(find src test -name '*.test.ts' | sort)
fi
if [ "${#files[@]}" -eq 0 ]; then echo "test: no *.test.ts files under: ${*:-src test}" >&2; exit 1; fi
js=()
for f in "${files[@]}"; do js+=("dist/${f%.ts}.js"); done
exec node --test --test-concurrency=1 --test-reporter=spec "${js[@]}"
