#!/usr/bin/env bash
# The whole visionq round trip with curl: upload a photo, then long-poll for its result.
#
#   VISIONQ_TOKEN=$(pnpm -s run token alice) bash examples/curl/classify.sh models/traffic-signs/samples/stop.jpg
#
# VISIONQ_URL defaults to http://127.0.0.1:8080 (`pnpm start`). Prints the result JSON on stdout and exits 0 when
# the task succeeded; any refusal or failure prints the API's message on stderr and exits 1.
set -euo pipefail

image="${1:?usage: classify.sh <image file>}"
base="${VISIONQ_URL:-http://127.0.0.1:8080}"
token="${VISIONQ_TOKEN:?set VISIONQ_TOKEN to a Firebase ID token (local mode: pnpm -s run token <uid>)}"
body="$(mktemp)"
trap 'rm -f "$body"' EXIT

# call METHOD PATH [curl args…]: the HTTP status on stdout, the body in $body.
call() {
  local method="$1" path="$2"
  shift 2
  curl --silent --show-error --output "$body" --write-out '%{http_code}' \
    --request "$method" --header "Authorization: Bearer $token" "$@" "$base$path"
}
# A field of a flat JSON string value, without needing jq.
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$body"; }
fail() {
  echo "HTTP $1: $(field message || true)" >&2
  exit 1
}

# 202 → queued. (POST /predict?wait=N would hold this request for the result instead; the script shows the
# asynchronous flow, as a mobile app that may lose its connection would use it.) A reused Idempotency-Key may
# answer 200 with the result at once.
status="$(call POST /predict --form "image=@$image")"
[ "$status" = 200 ] || [ "$status" = 202 ] || fail "$status"
task_id="$(field task_id)"
echo "task $task_id: HTTP $status" >&2

# Long-poll: each request is held until the task ends or 20 s pass (then 202 again).
while [ "$status" = 202 ]; do
  status="$(call GET "/result/$task_id?wait=20")"
  [ "$status" = 200 ] || [ "$status" = 202 ] || fail "$status"
done

cat "$body"
echo
grep -q '"status":"succeeded"' "$body" || { echo "task failed: $(field message)" >&2; exit 1; }
