-- GCRA (generic cell rate algorithm) for one or more keys, atomically, in one
-- round trip: a request counts against every key only when every key lets it
-- pass. The keys share a hash tag, so they live in one Redis Cluster slot.
-- KEYS[i]: a key. ARGV[2i-1]: its emission interval in microseconds (window /
-- limit). ARGV[2i]: its limit (burst). Time is the Redis server's, so every
-- instance agrees on it.
-- Returns, per key: allowed (0|1), remaining, retry_after_us, reset_after_us.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local replies = {}
local next_tats = {}
local refused = false
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local limit = tonumber(ARGV[2 * i])
  local tolerance = interval * (limit - 1)
  local tat = tonumber(redis.call('GET', key)) or now
  if tat < now then
    tat = now
  end
  local earliest = tat - tolerance
  local base = 4 * (i - 1)
  if now < earliest then
    refused = true
    replies[base + 1], replies[base + 2] = 0, 0
    replies[base + 3], replies[base + 4] = earliest - now, tat - now
  else
    local new_tat = tat + interval
    next_tats[i] = new_tat
    replies[base + 1] = 1
    replies[base + 2] = math.floor((now + tolerance + interval - new_tat) / interval)
    replies[base + 3], replies[base + 4] = 0, new_tat - now
  end
end
if not refused then
  for i, key in ipairs(KEYS) do
    local ttl = math.ceil((next_tats[i] - now) / 1000)
    redis.call('SET', key, string.format('%d', next_tats[i]), 'PX', ttl)
  end
end
return replies
