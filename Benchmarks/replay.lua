-- wrk script: posts each prepared callback once, in turn (requests.lua from paysync-bench).
local dir = os.getenv("BENCH_DIR") or "/tmp/paysync-bench"
local provider = os.getenv("BENCH_PROVIDER") or "payzapp"
dofile(dir .. "/requests.lua")
local index = 0
local thread_offset = 0
local threads = 0
local step = tonumber(os.getenv("BENCH_THREADS") or "2")

function setup(thread)
  thread:set("thread_offset", threads)
  threads = threads + 1
end

function init(args)
  index = thread_offset
end

function request()
  local r = requests[(index % #requests) + 1]
  index = index + step
  r.h["Content-Type"] = "application/json"
  return wrk.format("POST", "/callbacks/" .. provider .. "/default", r.h, r.b)
end

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
