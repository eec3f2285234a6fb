#!/usr/bin/env bash
# A clamd for the tests, with the project's own test signatures (no internet here, and Debian's clamav-daemon ships
# none): the hash of a harmless sample text (redress-test.hdb) and the EICAR test string (redress-test.ndb).
#   scripts/clamav.sh start DIR   → clamd listening on DIR/clamd.sock (prints the path)
#   scripts/clamav.sh stop DIR
# In production, run Debian's clamav-daemon with freshclam's signatures and point REDRESS_CLAMD at its socket
# (/run/clamav/clamd.ctl).
set -euo pipefail
cmd=$1; dir=$2
case "$cmd" in
  start)
    command -v clamd >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon >/dev/null; }
    mkdir -p "$dir/db"
    cp "$(dirname "$0")/clamav/"redress-test.* "$dir/db/"
    cat > "$dir/clamd.conf" <<CONF
LocalSocket $dir/clamd.sock
DatabaseDirectory $dir/db
Foreground yes
LogFile $dir/clamd.log
StreamMaxLength 64M
CONF
    clamd -c "$dir/clamd.conf" > "$dir/clamd.out" 2>&1 &
    echo $! > "$dir/clamd.pid"
    for _ in $(seq 1 100); do [ -S "$dir/clamd.sock" ] && { echo "$dir/clamd.sock"; exit 0; }; sleep 0.2; done
    echo "clamd did not start:"; cat "$dir/clamd.out"; exit 1
    ;;
  stop)
    [ -f "$dir/clamd.pid" ] && kill "$(cat "$dir/clamd.pid")" 2>/dev/null || true
    ;;
esac
