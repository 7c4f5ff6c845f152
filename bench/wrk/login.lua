-- POST /login/ (the portal's password form) with a real CSRF cookie and token.
-- wrk -s bench/wrk/login.lua URL -- SESSIONS_FILE
-- SESSIONS_FILE: one line per wrk thread, made by GET /login/ before the run:
--   <csrftoken cookie> <urlencoded form body> [<form body> ...]
-- (A CSRF token is bound to its cookie, not to the TCP connection, so one GET per thread
-- serves all of its connections.) Bodies are used in turn. Success: 302 to /me/.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function init(args)
  local lines = {}
  for line in io.lines(args[1]) do
    table.insert(lines, line)
  end
  local fields = {}
  for field in string.gmatch(lines[(id % #lines) + 1], "%S+") do
    table.insert(fields, field)
  end
  bodies = {}
  for i = 2, #fields do
    table.insert(bodies, fields[i])
  end
  n = 0
  tb_counters()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "csrftoken=" .. fields[1]
end

function request()
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1])
end

function response(status, headers, body)
  local location = headers["Location"] or headers["location"]
  tb_count(status, status == 302 and location == "/me/")
end
