-- wrk script for bench/serve.sh: requests cycle through the URL list given
-- after `--` (one path per line: zips, mods, infos, lists and ~5% misses),
-- each thread from its own offset. Counts statuses other than 200 and 404
-- as errors, and 404s, and prints one RESULT line at the end.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  idx = (id * 7919) % #paths
  bad = 0
  missed = 0
end

function request()
  idx = idx % #paths + 1
  return wrk.format("GET", paths[idx])
end

function response(status, headers, body)
  if status == 404 then
    missed = missed + 1
  elseif status ~= 200 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local b, m = 0, 0
  for _, t in ipairs(threads) do
    b = b + t:get("bad")
    m = m + t:get("missed")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f mib_s=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f bad_status=%d misses=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    summary.bytes / (summary.duration / 1e6) / 1048576,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    b, m, e.connect + e.read + e.write + e.timeout + e.status - b - m))
end
