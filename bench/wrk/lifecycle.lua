-- A full case lifecycle over HTTP, one step per request, on each connection in turn:
--   1. the applicant applies (POST /api/v1/cases/apply, answers + files) → 201
--   2. the department's reviewer accepts it (POST .../staff/cases/ID/accept) → 200
--   3. starts the review (POST .../staff/cases/ID/review-start) → 200
--   4. decides it (POST .../staff/cases/ID/decide, approved) → 200
--   5. anyone queries its status (GET /api/v1/cases/status?number=&name=) → 200, "decided"
-- A failed step counts as bad and the connection starts a new lifecycle. Run with as many
-- threads as connections (each thread's requests then follow each other on one connection).
-- wrk -s bench/wrk/lifecycle.lua URL -- SESSIONS_FILE
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
  step, case_id, number = 1, nil, nil
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
    step = 1
  elseif step == 5 then
    completed = completed + 1
    step = 1
  else
    step = step + 1
  end
end
