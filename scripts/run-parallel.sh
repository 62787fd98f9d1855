#!/usr/bin/env bash
# Runs commands at the same time, each line of their output prefixed with its name, and waits for all of them
# (make test: the test stages on independent systems, e.g. the chaos run on the 3-node cluster beside the
# suites on the system of make dependencies).
#
#   scripts/run-parallel.sh NAME COMMAND [NAME COMMAND]...     COMMAND runs with bash -c
#
# Exits 0 when every command did, else 1 after the last one ended; a line per command says how it ended and
# how long it took.
set -uo pipefail

[ $# -ge 2 ] && [ $(($# % 2)) = 0 ] || { sed -n '6p' "$0" >&2; exit 2; }

names=() pids=() began=$SECONDS
status_dir=$(mktemp -d)
trap 'rm -rf "$status_dir"' EXIT
while [ $# -gt 0 ]; do
  name=$1 command=$2
  shift 2
  names+=("$name")
  (
    start=$SECONDS
    bash -c "$command" 2>&1 | while IFS= read -r line; do printf '[%s] %s\n' "$name" "$line"; done
    status=${PIPESTATUS[0]}
    echo "$status $((SECONDS - start))" >"$status_dir/$name"
  ) &
  pids+=($!)
done
wait "${pids[@]}"

failed=0
for name in "${names[@]}"; do
  read -r status seconds <"$status_dir/$name" 2>/dev/null || { status=unknown; seconds=?; }
  if [ "$status" = 0 ]; then echo "[$name] passed in ${seconds} s"; else echo "[$name] FAILED (exit $status) after ${seconds} s"; failed=1; fi
done
echo "all in $((SECONDS - began)) s"
exit $failed
