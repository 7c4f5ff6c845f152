-- Shared by the bench's wrk scripts (loaded with dofile): per-thread counters, and a done()
-- that prints one line for bench/results.py to read:
--   TONGBAN {"statuses":{"200":n,...},"bad":n,"exhausted":n,"completed":n,"abandoned":n,
--            "quantiles_us":[["50.0",us],...]}
-- "completed": sequences of requests finished (a case lifecycle), for scripts that chain them;
-- "abandoned": the successful requests of sequences given up after a failed one.
-- "bad": responses that were not the expected success; "quantiles_us": latency percentiles on
-- a fine grid, so that runs made in slices can be merged (bench/results.py: merge).
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function tb_counters()
  statuses = {}
  bad = 0
  exhausted = 0
  completed = 0
  abandoned = 0
end

-- One line of a tab-separated file per wrk thread (thread i takes line i, round robin).
function tb_thread_fields(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then
      table.insert(lines, line)
    end
  end
  local fields = {}
  for field in string.gmatch(lines[(id % #lines) + 1], "[^\t]+") do
    table.insert(fields, field)
  end
  return fields
end

function tb_read(path)
  local file = assert(io.open(path, "rb"))
  local content = file:read("*a")
  file:close()
  return content
end

function tb_count(status, ok)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if not ok then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total, bad_total, exhausted_total, completed_total, abandoned_total = {}, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("statuses")) do
      total[key] = (total[key] or 0) + n
    end
    bad_total = bad_total + thread:get("bad")
    exhausted_total = exhausted_total + thread:get("exhausted")
    completed_total = completed_total + (thread:get("completed") or 0)
    abandoned_total = abandoned_total + (thread:get("abandoned") or 0)
  end
  local parts = {}
  for key, n in pairs(total) do
    table.insert(parts, string.format('"%s":%d', key, n))
  end
  -- The latency quantile function on a fixed grid (0.5 % steps, then 0.1 % above 99 %),
  -- in microseconds; "100" is the maximum.
  local q = {}
  if summary.requests > 0 then
    for i = 1, 198 do
      table.insert(q, string.format('["%.1f",%d]', i * 0.5, latency:percentile(i * 0.5)))
    end
    for i = 1, 9 do
      table.insert(q, string.format('["%.1f",%d]', 99 + i * 0.1, latency:percentile(99 + i * 0.1)))
    end
    table.insert(q, string.format('["100.0",%d]', latency.max))
  end
  io.write(string.format(
    'TONGBAN {"statuses":{%s},"bad":%d,"exhausted":%d,"completed":%d,"abandoned":%d,'
      .. '"quantiles_us":[%s]}\n',
    table.concat(parts, ","), bad_total, exhausted_total, completed_total, abandoned_total,
    table.concat(q, ",")))
end
