-- POST an empty body to one URL (the bare insert view). Success: 201.
-- wrk -s bench/wrk/post.lua URL
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function init(args)
  tb_counters()
  wrk.method = "POST"
end

function response(status, headers, body)
  tb_count(status, status == 201)
end
