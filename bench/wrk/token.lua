-- POST /oidc/token/: each request redeems one pre-created authorization code (PKCE S256).
-- wrk -H "Authorization: Basic ..." -s bench/wrk/token.lua URL -- BODIES_FILE THREADS
-- BODIES_FILE: one urlencoded token request body per line; thread i takes lines i, i+T, ...
-- Success: 200 with an id_token in the JSON. Requests after the codes ran out are counted as
-- "exhausted" (and fail: their code does not exist).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function init(args)
  local nthreads = tonumber(args[2])
  bodies = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then
      table.insert(bodies, line)
    end
    i = i + 1
  end
  next_body = 1
  tb_counters()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  local body = bodies[next_body]
  if body == nil then
    exhausted = exhausted + 1
    body = "grant_type=authorization_code&code=exhausted"
  end
  next_body = next_body + 1
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  tb_count(status, status == 200 and string.find(body, '"id_token"', 1, true) ~= nil)
end
