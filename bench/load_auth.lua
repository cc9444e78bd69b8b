-- wrk script for bench/load_auth.sh: each request picks the next (key, route) pair from a fixed
-- rotation across roles, so the run mixes granted requests (200), denials (403) and missing keys
-- (401); every thread counts statuses and done() prints them.
-- Keys come from the environment: KEY_ADMIN, KEY_OPERATOR, KEY_USER, KEY_GUEST.
local keys = { os.getenv("KEY_ADMIN"), os.getenv("KEY_OPERATOR"), os.getenv("KEY_USER"), os.getenv("KEY_GUEST"), "" }
local routes = {
  { "GET", "/v1/models", nil },
  { "POST", "/tokenize", '{"model":"tiny","content":"hello world"}' },
  { "GET", "/api/system/status", nil },
  { "GET", "/api/keys", nil },
  { "GET", "/metrics", nil },
}
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  counter = id * 7
end

function request()
  counter = counter + 1
  local key = keys[(counter % #keys) + 1]
  local route = routes[(math.floor(counter / #keys) % #routes) + 1]
  local headers = { ["Content-Type"] = "application/json" }
  if key ~= "" then headers["Authorization"] = "Bearer " .. key end
  return wrk.format(route[1], route[2], headers, route[3])
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do total[status] = (total[status] or 0) + n end
  end
  local fives = 0
  local line = "statuses:"
  for status, n in pairs(total) do
    line = line .. " " .. status .. "=" .. n
    if status >= 500 then fives = fives + n end
  end
  print(line)
  print("5xx: " .. fives)
  print(string.format("requests: %d, errors: connect %d read %d write %d timeout %d", summary.requests,
                      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
