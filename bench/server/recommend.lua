-- wrk script: POST /recommend with a multipart `files` part holding one JPEG.
-- The JPEG path comes from the MOODTUNE_BENCH_JPEG environment variable; with
-- MOODTUNE_BENCH_LISTENER set, a `listener` field is sent too (as the web page always does),
-- so every answer also reads and writes that listener's history.
local path = os.getenv("MOODTUNE_BENCH_JPEG")
local f = assert(io.open(path, "rb"), "cannot open " .. tostring(path))
local jpeg = f:read("*a")
f:close()
local boundary = "----moodtunebench7d1f0c"
wrk.method = "POST"
wrk.path = "/recommend"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
local listener = os.getenv("MOODTUNE_BENCH_LISTENER")
local listener_part = ""
if listener and listener ~= "" then
  listener_part = "--" .. boundary .. "\r\n" ..
    "Content-Disposition: form-data; name=\"listener\"\r\n\r\n" .. listener .. "\r\n"
end
wrk.body = listener_part .. "--" .. boundary .. "\r\n" ..
  "Content-Disposition: form-data; name=\"files\"; filename=\"face.jpg\"\r\n" ..
  "Content-Type: image/jpeg\r\n\r\n" .. jpeg .. "\r\n--" .. boundary .. "--\r\n"

local non200 = 0
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  io.write(string.format("median_ms %.2f p90_ms %.2f p95_ms %.2f p99_ms %.2f requests %d rps %.1f errors %d\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    summary.requests, summary.requests / (summary.duration / 1e6),
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout))
end
