#!/bin/bash
# chaos.test.sh - the short chaos run in make test: 100 mixed flows while a
# random worker is SIGKILLed every 200 ms, the leader twice, and kubesim
# injects 5xx/429, drops watches every 2 s and expires history once
# (tests/chaos/chaos.py; make chaos runs 1,000 flows).
set -u
cd "$(dirname "$0")/../.."
if [ ! -x "${JF_BIN_DIR:-build/bin}/jobflowd" ]; then
	echo "SKIP chaos: no jobflowd"; exit 0
fi
python3 tests/chaos/chaos.py --flows 100 --timeout 240 && echo "PASS chaos"
