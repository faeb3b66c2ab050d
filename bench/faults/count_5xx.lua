-- wrk script for bench/faults/load.sh: POST /recommend (multipart `files`, the JPEG in
-- $MOODTUNE_BENCH_JPEG) and count answers by class across all wrk threads.
-- The request (method, path, multipart body) is the HTTP benchmark's; run from the repo root.
dofile("bench/server/recommend.lua")

local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) s2xx = 0; s4xx = 0; s5xx = 0 end
function response(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1
  elseif status >= 400 then s4xx = s4xx + 1
  else s2xx = s2xx + 1 end
end
function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s2xx"); b = b + t:get("s4xx"); c = c + t:get("s5xx")
  end
  io.write(string.format(
    "result p50_ms %.1f p90_ms %.1f p99_ms %.1f requests %d rps %.1f 2xx %d 4xx %d 5xx %d " ..
    "socket_errors %d timeouts %d\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.requests / (summary.duration / 1e6), a, b, c,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout))
end
