-- Locks KEYS[1] for ARGV[1] milliseconds, and lets the counter KEYS[2] go when
-- the lock does, so the reservations start afresh after it. Both keys share a
-- hash tag (one Redis Cluster slot).
redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
