# Sourced by Benchmarks/lookup/run.sh, profile.sh and callgrind.sh: the helper binary, the static answer nginx
# serves, the wrk script, and waiting for a server to answer.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/nginx.sh"

# lookup_bench_bin NAME: sets BIN to $LOOKUP_BENCH_BIN (a prebuilt helper, e.g. from another commit, for
# before/after figures), else builds this tree's release helper.
lookup_bench_bin() {
  if [ -n "${LOOKUP_BENCH_BIN:-}" ]; then
    BIN=$LOOKUP_BENCH_BIN
  else
    echo "$1: building the release helper"
    swift build -c release --product g60-lookup-bench >/dev/null
    BIN=$(swift build -c release --show-bin-path)/g60-lookup-bench
  fi
}

# What nginx answers: the gateway's answer for an eligible subject, byte for byte.
LOOKUP_ANSWER='{"benefits":[{"code":"g60.travel.priorityLane","partners":["all"],"title":"信用优先通道","titleEn":"priority lane"},{"code":"g60.travel.scenicDiscount","partners":["all"],"title":"景区门票优惠","titleEn":"scenic-spot discount"}],"eligible":true}'

# lookup_nginx_conf FILE WORK PORT
lookup_nginx_conf() {
  nginx_conf "$1" "$2" "$3" \
    "    location = /v1/trust-travel/eligibility { default_type application/json; return 200 '$LOOKUP_ANSWER'; }"
}

# lookup_lua FILE IDS COUNT: the wrk script asking about a random one of the first COUNT identity numbers of IDS
# (18 characters and a newline each).
lookup_lua() {
  cat > "$1" <<LUA
-- Every request is built once, here: a request made per call is a new string each time (a million distinct ones
-- with "all"), and LuaJIT's collector sweeping them stalled wrk now and then, raising both servers' p99 to 7-14 ms
-- (nginx's too). Built up front, request() allocates nothing and the collector does not run during the measurement.
local file = assert(io.open("$2", "rb"))
local all = file:read("*a")
file:close()
local count = math.min(math.floor(#all / 19), $3)
wrk.headers["Authorization"] = "Bearer bench-lookup"
local requests = {}
init = function(args) -- (after wrk has set the Host header)
  for i = 0, count - 1 do
    requests[i + 1] = wrk.format("GET", "/v1/trust-travel/eligibility?subject=" .. all:sub(i * 19 + 1, i * 19 + 18))
  end
  all = nil
  collectgarbage("collect")
end
request = function()
  return requests[math.random(count)]
end
LUA
}

# wait_for_lookup PORT NUMBER [PID]: until the gateway on PORT answers a lookup of NUMBER (opening a multi-GB store
# can take a while on a loaded machine); with PID, stops early if that process ended.
wait_for_lookup() {
  for _ in $(seq 1 3000); do
    if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then return 1; fi
    curl -sf -H "Authorization: Bearer bench-lookup" \
      "http://127.0.0.1:$1/v1/trust-travel/eligibility?subject=$2" >/dev/null && return 0
    sleep 0.2
  done
  return 1
}

# cpu_ticks PID: the process's user + system CPU time so far, in clock ticks (getconf CLK_TCK a second).
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
