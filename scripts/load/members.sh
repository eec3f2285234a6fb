# Sourced by the load scripts: registers 8 load-test members on the server at $1 and fills TOKENS with their bearer tokens.
load_members() {
  local url=$1 i
  TOKENS=()
  for i in $(seq 1 8); do
    curl -sf -X POST "$url/api/v1/members" -H 'content-type: application/json' \
      -d "{\"login\":\"load$i@bench.redress\",\"password\":\"load-password-$i\",\"displayName\":\"压测会员$i\"}" >/dev/null
    TOKENS+=("$(curl -sf -X POST "$url/api/v1/auth/login" -H 'content-type: application/json' \
      -d "{\"login\":\"load$i@bench.redress\",\"password\":\"load-password-$i\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')")
  done
}
