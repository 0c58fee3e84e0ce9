-- wrk script: posts each prepared callback once, in turn, spread over the threads.
-- Reads $BENCH_DIR/requests.txt (written by `paysync-bench prepare-ingest`): one request a line,
-- `name=value;name=value<TAB>body`.
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

function init(args)
  for line in io.lines(dir .. "/requests.txt") do
    local tab = string.find(line, "\t", 1, true)
    local headers = { ["Content-Type"] = "application/json" }
    for pair in string.gmatch(string.sub(line, 1, tab - 1), "[^;]+") do
      local eq = string.find(pair, "=", 1, true)
      headers[string.sub(pair, 1, eq - 1)] = string.sub(pair, eq + 1)
    end
    requests[#requests + 1] = wrk.format("POST", "/callbacks/" .. provider .. "/default", headers, string.sub(line, tab + 1))
  end
  index = offset
end

function request()
  local r = requests[(index % #requests) + 1]
  index = index + step
  return r
end
