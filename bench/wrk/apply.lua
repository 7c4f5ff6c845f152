-- POST /api/v1/cases/apply: an online application (answers + files), created and submitted in
-- one request, by a logged-in applicant: one applicant session per wrk thread (run with as
-- many threads as connections, so each connection has its own).
-- wrk -s bench/wrk/apply.lua URL -- SESSIONS_FILE
-- SESSIONS_FILE: per thread, tab-separated: Cookie header, CSRF token, body file, Content-Type.
-- Success: 201 (a new case in pre-review).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function init(args)
  tb_counters()
  local fields = tb_thread_fields(args[1])
  wrk.method = "POST"
  wrk.headers["Cookie"] = fields[1]
  wrk.headers["X-CSRFToken"] = fields[2]
  wrk.headers["Content-Type"] = fields[4]
  wrk.body = tb_read(fields[3])
end

function response(status, headers, body)
  tb_count(status, status == 201)
end
