-- wrk script of bench/lib/load.ts: run as `wrk -t N -c N`, so that every wrk
-- thread drives exactly one connection, and this script can time each
-- response of that connection itself (wrk's own histogram cannot leave out
-- the first response on each connection, and it adds samples of its own to
-- correct for coordinated omission).
--
-- Per connection: the first response (it waits for the server to accept the
-- connection) is kept apart; every later one is recorded as its latency in
-- microseconds (monotonic clock, from the moment wrk built the request to the
-- moment the response was complete) and the wall-clock time it ended (ms).
-- done() writes everything to the file named by BENCH_WRK_OUT:
--   "first <µs>"                       one per connection that got an answer
--   "<latency µs> <ended at ms>"       one per later response
--   "status <code> <count>"            per status code
--   "bytes <n>", "errors <n>", "timeouts <n>"
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *time);
]]
local time = ffi.new("bench_timespec")
local function monotonic_us()
  ffi.C.clock_gettime(1, time) -- CLOCK_MONOTONIC
  return tonumber(time.tv_sec) * 1e6 + tonumber(time.tv_nsec) / 1e3
end
local function wall_ms()
  ffi.C.clock_gettime(0, time) -- CLOCK_REALTIME
  return tonumber(time.tv_sec) * 1e3 + tonumber(time.tv_nsec) / 1e6
end

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

-- Per thread (one connection); globals, so that done() can read them with thread:get().
first = -1
latencies = {}
ended = {}
statuses = {}
local count = 0
local sent = 0
local prepared

function init(args)
  prepared = wrk.format()
end

function request()
  sent = monotonic_us()
  return prepared
end

function response(status, headers, body)
  local latency = monotonic_us() - sent
  statuses[status] = (statuses[status] or 0) + 1
  if first < 0 then
    first = latency
  else
    count = count + 1
    latencies[count] = latency
    ended[count] = wall_ms()
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(assert(os.getenv("BENCH_WRK_OUT"), "BENCH_WRK_OUT is not set"), "w"))
  local codes = {}
  for _, thread in ipairs(threads) do
    local f = thread:get("first")
    if f >= 0 then out:write(string.format("first %.1f\n", f)) end
    local l, e = thread:get("latencies"), thread:get("ended")
    for i = 1, #l do out:write(string.format("%.1f %.3f\n", l[i], e[i])) end
    for code, n in pairs(thread:get("statuses")) do codes[code] = (codes[code] or 0) + n end
  end
  for code, n in pairs(codes) do out:write(string.format("status %d %d\n", code, n)) end
  local e = summary.errors
  out:write(string.format("bytes %d\nerrors %d\ntimeouts %d\n", summary.bytes, e.connect + e.read + e.write, e.timeout))
  out:close()
end
