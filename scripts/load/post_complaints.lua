-- wrk script: POST /api/v1/complaints with a fresh order number and Idempotency-Key per request.
-- Tokens come as script arguments (wrk ... -s post_complaints.lua -- TOKEN1 TOKEN2 ...).
local threads = {}
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

function init(args)
  tokens = args
  counter = 0
  -- A tag per run and thread keeps Idempotency-Keys unique across runs (a repeated key would replay).
  math.randomseed(os.time() * 100 + tid)
  run = string.format("%08x", math.random(0, 2147483647))
  failures = 0
  categories = { "transaction.topup_not_credited", "service.membership_not_activated", "transaction.goods_not_as_described" }
end

function request()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local amount = 100 + (counter * 37) % 80000
  local body = string.format(
    '{"category":"%s","order":{"orderNumber":"LOAD-%d-%d","amountPaidFen":%d,"productKind":"game_topup","respondent":"platform"},' ..
    '"occurredAt":"2026-11-20T10:00:00+08:00","narrative":"压力测试：充值 %d 分未到账，订单 %d。","remedy":{"kind":"refund"},"amountClaimedFen":%d}',
    categories[(counter % 3) + 1], tid, counter, amount, amount, counter, amount)
  return wrk.format("POST", "/api/v1/complaints", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = string.format("load-%s-%d-%d", run, tid, counter),
  }, body)
end

function response(status, headers, body)
  if status ~= 201 then failures = failures + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("failures") end
  io.write(string.format("non-201 responses: %d\n", total))
  io.write(string.format("p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
