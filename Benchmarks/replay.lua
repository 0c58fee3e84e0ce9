-- wrk script: posts each prepared callback once, in turn, spread over the threads.
-- Reads $BENCH_DIR/requests.txt (written by `paysync-bench prepare-ingest`): one request a line,
-- `name=value;name=value<TAB>body`.
-- With BENCH_RATE set (requests per second, all threads together), each thread paces its requests
-- on a fixed schedule, so latency is measured at that rate rather than at saturation.
-- BENCH_FIRST and BENCH_COUNT replay a slice: lines BENCH_FIRST .. BENCH_FIRST + BENCH_COUNT - 1
-- (from 0; the default is every line), so consecutive runs can each send callbacks not sent before.
local dir = os.getenv("BENCH_DIR") or "/tmp/paysync-bench"
local provider = os.getenv("BENCH_PROVIDER") or "payzapp"
local step = tonumber(os.getenv("BENCH_THREADS") or "2")
local threads = 0

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

local requests = {}
local index = 0

local first = tonumber(os.getenv("BENCH_FIRST") or "0")
local count = tonumber(os.getenv("BENCH_COUNT") or "-1")

local function add(line)
  local tab = string.find(line, "\t", 1, true)
  local headers = { ["Content-Type"] = "application/json" }
  for pair in string.gmatch(string.sub(line, 1, tab - 1), "[^;]+") do
    local eq = string.find(pair, "=", 1, true)
    headers[string.sub(pair, 1, eq - 1)] = string.sub(pair, eq + 1)
  end
  requests[#requests + 1] = wrk.format("POST", "/callbacks/" .. provider .. "/default", headers, string.sub(line, tab + 1))
end

function init(args)
  local number = 0
  for line in io.lines(dir .. "/requests.txt") do
    if count >= 0 and number >= first + count then break end
    if number >= first then add(line) end
    number = number + 1
  end
  index = offset
end

function request()
  local r = requests[(index % #requests) + 1]
  index = index + step
  return r
end

local rate = tonumber(os.getenv("BENCH_RATE") or "0")
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock, bench_timespec *now);
  ]]
  local now = ffi.new("bench_timespec")
  local function milliseconds()
    ffi.C.clock_gettime(1, now) -- CLOCK_MONOTONIC
    return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
  end
  local interval = step * 1000 / rate
  local slot = nil
  -- wrk asks before each request how many milliseconds to wait: until this thread's next slot.
  -- A thread behind its schedule sends at once (at most 50 ms of slots are caught up).
  function delay()
    local t = milliseconds()
    if slot == nil or slot < t - 50 then slot = t end
    slot = slot + interval
    return math.max(0, math.floor(slot - t))
  end
end
