-- GET /api/v1/cases/status?number=&name=: the public status query, for existing cases drawn
-- at random from PATHS_FILE (one path per line). Success: 200.
-- wrk -s bench/wrk/status.lua URL -- PATHS_FILE
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function init(args)
  tb_counters()
  paths = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  math.randomseed(os.time() + id)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function response(status, headers, body)
  tb_count(status, status == 200)
end
