-- GET one URL; judge every response. Success: 200.
-- wrk -s bench/wrk/get.lua URL
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function init(args)
  tb_counters()
end

function response(status, headers, body)
  tb_count(status, status == 200)
end
