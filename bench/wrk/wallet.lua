-- GET /me/licences/: 我的证照, the wallet page of a logged-in holder with licences: one
-- holder's session per wrk thread (run with as many threads as connections).
-- wrk -s bench/wrk/wallet.lua URL -- SESSIONS_FILE
-- SESSIONS_FILE: per thread, a Cookie header. Success: 200 showing the wallet's cards.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function init(args)
  tb_counters()
  wrk.headers["Cookie"] = tb_thread_fields(args[1])[1]
end

function response(status, headers, body)
  tb_count(status, status == 200 and string.find(body, 'data-testid="wallet"', 1, true) ~= nil)
end
