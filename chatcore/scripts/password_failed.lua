-- A wrong password for a username: count it and, from the ARGV[1]-th
-- failure on, lock the username for ARGV[2] ms, doubled at each further
-- failure, at most ARGV[3] ms.
-- KEYS[1] the failure count, KEYS[2] the lock (same hash tag)
-- ARGV[1] failures before a lock, ARGV[2] first lock in ms, ARGV[3] longest
-- lock in ms, ARGV[4] ms after which the count is forgotten
-- Returns the lock's length in ms, 0 for none.
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local over = n - tonumber(ARGV[1])
if over < 0 then
  return 0
end
local lock = math.min(tonumber(ARGV[2]) * 2 ^ math.min(over, 40), tonumber(ARGV[3]))
redis.call('SET', KEYS[2], 1, 'PX', lock)
return lock
