#!/usr/bin/env bash
# Docker health check of the broker: succeeds only when the stream listener is bound AND answers the
# stream protocol on 5552 (a PeerProperties request gets its response frame), not merely when the
# node process lives. Used by docker-compose.yml; runs with the image's bash and coreutils.
#   stream-healthcheck.sh [host] [port]
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-5552}

if command -v rabbitmq-diagnostics >/dev/null 2>&1; then
  rabbitmq-diagnostics -q check_port_listener "$port" >/dev/null
fi

# Frame: size (uint32) = 12, key PeerProperties (0x0011), version 1, correlation id 1, empty map.
# The broker answers with key 0x8011 (response bit set) and the same correlation id.
answer=$(timeout 5 bash -c '
  exec 3<>"/dev/tcp/$0/$1"
  printf "\x00\x00\x00\x0c\x00\x11\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00" >&3
  head -c 12 <&3 | od -An -tx1 | tr -d " \n"
' "$host" "$port" 2>/dev/null) || answer=''
# Skip the 4-byte size; then key 8011, version 0001, correlation id 00000001.
if [ "${answer:8:16}" != "8011000100000001" ]; then
  echo "stream port $host:$port did not answer a PeerProperties request (got '${answer}')" >&2
  exit 1
fi
