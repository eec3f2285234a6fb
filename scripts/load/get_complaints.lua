-- wrk script: GET /api/v1/complaints/{id} over a list of ids the member owns.
-- Arguments: TOKEN ID1 ID2 ...
local threads = {}

function setup(thread) table.insert(threads, thread) end

function init(args)
  token = args[1]
  ids = {}
  for i = 2, #args do ids[#ids + 1] = args[i] end
  counter = 0
  failures = 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/complaints/" .. ids[(counter % #ids) + 1], { ["Authorization"] = "Bearer " .. token })
end

function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("failures") end
  io.write(string.format("non-200 responses: %d\n", total))
  io.write(string.format("p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
