#!/usr/bin/env bash
# Distributed testing on one machine:
#   tools/dist_test.sh CONFIG CHECKPOINT NGPUS [test.py options]
exec "$(dirname "$0")/dist_run.sh" test "$3" "$1" "$2" "${@:4}"
