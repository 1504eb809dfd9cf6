-- Gives back one GCRA cell on KEYS[1] (a reservation that turned out not to
-- count): its theoretical arrival time moves back one emission interval.
-- ARGV[1]: the emission interval in microseconds. Time is the Redis server's.
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat then
  return 0
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local earlier = tat - tonumber(ARGV[1])
if earlier <= now then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], string.format('%d', earlier), 'PX', math.ceil((earlier - now) / 1000))
end
return 1
