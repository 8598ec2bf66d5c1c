#!/usr/bin/env bash
# The tree keeps its shape (shared/design/layout.md): no call or include
# cycles between files, each subsystem uses only the layers below it.
# Read from the objects of the build under test.
exec node "$(dirname "$0")/../../scripts/layout-report.mjs" --check "${BUILD:-build}"
