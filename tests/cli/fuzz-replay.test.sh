#!/usr/bin/env bash
# The fuzz corpora as a regression test: see tests/fuzz/replay.test.sh.
exec bash "$(dirname "$0")/../fuzz/replay.test.sh" "$@"
