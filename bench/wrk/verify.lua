-- POST /api/v1/licences/verify: a verifier asks whether a presented credential holds; each
-- request a credential drawn at random from BODIES_FILE (one JSON body per line, real
-- credentials of valid licences from the fill).
-- wrk -s bench/wrk/verify.lua URL -- BODIES_FILE
-- Success: 200 with "result": "valid".
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function init(args)
  tb_counters()
  bodies = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      table.insert(bodies, line)
    end
  end
  math.randomseed(os.time() + id)
end

function request()
  local headers = {["Content-Type"] = "application/json"}
  return wrk.format("POST", nil, headers, bodies[math.random(#bodies)])
end

function response(status, headers, body)
  tb_count(status, status == 200 and string.find(body, '"result":%s*"valid"') ~= nil)
end
