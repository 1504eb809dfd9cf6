-- GCRA (generic cell rate algorithm) for one key, atomically, in one round trip.
-- KEYS[1]: the key. ARGV[1]: emission interval in microseconds (window / limit).
-- ARGV[2]: the limit (burst). Time is the Redis server's, so every instance
-- agrees on it.
-- Returns {allowed (0|1), remaining, retry_after_us, reset_after_us}.
local interval = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local tolerance = interval * (limit - 1)
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
  tat = now
end
local earliest = tat - tolerance
if now < earliest then
  return {0, 0, earliest - now, tat - now}
end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
local remaining = math.floor((now + tolerance + interval - new_tat) / interval)
return {1, remaining, 0, new_tat - now}
