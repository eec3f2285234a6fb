#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, on a loopback port, run as the unprivileged `postgres` user.
#   scripts/postgres.sh start DIR [PORT]   installs PostgreSQL (Debian's package) when missing, creates a cluster in
#                                          DIR and starts it; prints the URL of its `postgres` database. The server
#                                          also speaks TLS, with a self-signed certificate for 127.0.0.1 and localhost
#                                          in DIR/server.crt (the authority to trust for sslmode=verify-full).
#   scripts/postgres.sh stop DIR           stops the cluster in DIR.
set -euo pipefail
cmd=${1:?usage: postgres.sh start|stop DIR [PORT]}
dir=${2:?usage: postgres.sh start|stop DIR [PORT]}
port=${3:-55432}
password=redress-test

pgbin() {
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
  [ -n "$v" ] && echo "/usr/lib/postgresql/$v/bin"
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  if [ -z "$(pgbin)" ] || [ ! -x "$(pgbin)/initdb" ]; then
    echo "installing PostgreSQL (apt-get install postgresql)" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  BIN=$(pgbin)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    # Over TCP a password is asked for (SCRAM), as on a real server; the socket in DIR trusts the local user.
    echo "$password" > "$dir/pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir/pwfile"
    as_postgres "$BIN/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if [ ! -f "$dir/server.crt" ]; then
    command -v openssl >/dev/null 2>&1 || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null; }
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$dir/server.key" -out "$dir/server.crt" 2>"$dir/openssl.log" \
      || { cat "$dir/openssl.log" >&2; exit 1; }
    chmod 600 "$dir/server.key"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir/server.key" "$dir/server.crt"
  fi
  # Tuned for a test machine: enough connections for several servers and the test suite at once.
  as_postgres "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=300 -c shared_buffers=256MB -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" start >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "postgres://postgres:$password@127.0.0.1:$port/postgres"
  ;;
stop)
  BIN=$(pgbin)
  as_postgres "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  ;;
*)
  echo "usage: postgres.sh start|stop DIR [PORT]" >&2; exit 2 ;;
esac
