#!/bin/bash
# run.sh - make bench / make bench-quick (SPEC §10): see bench.py.
#   scripts/bench/run.sh [--quick] [--only chain3:1000] [--workers 1,2,4,8]
#                        [--keep] [--out FILE]
set -eu
cd "$(dirname "$0")/../.."
exec python3 scripts/bench/bench.py "$@"
