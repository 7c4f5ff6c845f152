-- A full case lifecycle over HTTP, one step per request, on each connection in turn:
--   1. the applicant applies (POST /api/v1/cases/apply, answers + files) → 201
--   2. the department's reviewer accepts it (POST .../staff/cases/ID/accept) → 200
--   3. starts the review (POST .../staff/cases/ID/review-start) → 200
--   4. decides it (POST .../staff/cases/ID/decide, approved) → 200
--   5. anyone queries its status (GET /api/v1/cases/status?number=&name=) → 200, "decided"
-- A failed step counts as bad, its chain's earlier steps as "abandoned", and the connection
-- starts a new lifecycle. Run with as many threads as connections (each thread's requests then
-- follow each other on one connection).
--
-- A chain goes on across slices (bench/run.py runs wrk afresh for every slice): once STOP_FILE
-- exists, each thread ends its slice after its next response, so that no request is in flight,
-- writes where its chain stands to STATE_OUT/<thread id> ("step [case id] [number]") and stops;
-- the next slice's thread reads STATE_IN/<thread id> and goes on with the same case.
-- "completed" counts the lifecycles whose last step answered in this slice.
-- wrk -s bench/wrk/lifecycle.lua URL -- SESSIONS_FILE STOP_FILE STATE_IN|- STATE_OUT
-- SESSIONS_FILE: per thread, tab-separated: applicant Cookie, CSRF token, body file,
-- Content-Type, staff Cookie, staff CSRF token, the applicant's name (URL-encoded).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local API = "/api/v1/cases"

function init(args)
  tb_counters()
  local f = tb_thread_fields(args[1])
  applicant = {["Cookie"] = f[1], ["X-CSRFToken"] = f[2], ["Content-Type"] = f[4]}
  staff = {["Cookie"] = f[5], ["X-CSRFToken"] = f[6], ["Content-Type"] = "application/json"}
  apply_body = tb_read(f[3])
  name = f[7]
  stop_file, state_out = args[2], args[4] .. "/" .. id
  step, case_id, number = 1, nil, nil
  local kept = args[3] ~= "-" and io.open(args[3] .. "/" .. id)
  if kept then
    local s, c, n = string.match(kept:read("*a"), "^(%d)%s*(%d*)%s*(%d*)")
    kept:close()
    step, case_id, number = tonumber(s), c, n
  end
end

local function copy(headers)
  local out = {}
  for k, v in pairs(headers) do
    out[k] = v
  end
  return out
end

function request()
  if step == 1 then
    return wrk.format("POST", API .. "/apply", copy(applicant), apply_body)
  elseif step == 2 then
    return wrk.format("POST", API .. "/staff/cases/" .. case_id .. "/accept", copy(staff), "{}")
  elseif step == 3 then
    return wrk.format("POST", API .. "/staff/cases/" .. case_id .. "/review-start", copy(staff), "{}")
  elseif step == 4 then
    return wrk.format("POST", API .. "/staff/cases/" .. case_id .. "/decide", copy(staff),
      '{"decision": "approved"}')
  end
  return wrk.format("GET", API .. "/status?number=" .. number .. "&name=" .. name, {})
end

-- Where the chain stands, for the next slice (written aside, then renamed: bench/run.py waits
-- for every thread's file).
local function keep()
  local file = assert(io.open(state_out .. ".part", "w"))
  if step == 1 then
    file:write("1\n")
  else
    file:write(string.format("%d %s %s\n", step, case_id, number))
  end
  file:close()
  assert(os.rename(state_out .. ".part", state_out))
end

function response(status, headers, body)
  local ok
  if step == 1 then
    ok = status == 201
    if ok then
      case_id = string.match(body, '"id":%s*(%d+)')
      number = string.match(body, '"number":%s*"(%d+)"')
      ok = case_id ~= nil and number ~= nil
    end
  elseif step == 5 then
    ok = status == 200 and string.find(body, '"state":%s*"decided"') ~= nil
  else
    ok = status == 200
  end
  tb_count(status, ok)
  if not ok then
    abandoned = abandoned + step - 1
    step = 1
  elseif step == 5 then
    completed = completed + 1
    step = 1
  else
    step = step + 1
  end
  local stop = io.open(stop_file)
  if stop then
    stop:close()
    keep()
    wrk.thread:stop()
  end
end
