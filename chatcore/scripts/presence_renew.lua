-- Renew one instance's mark of a user, only if the mark is there: a renewal
-- that Redis runs late (after the client gave up on it) must not bring back
-- a user whose last connection left meanwhile.
-- KEYS[1] online zset, KEYS[2] the user's presence hash, KEYS[3] the
-- online-by-name index
-- ARGV[1] user ID, ARGV[2] instance field, ARGV[3] expiry (Unix ms)
-- Returns 1 when renewed, 0 when the mark was gone.
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then
  return 0
end
local expiry = tonumber(ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
local member = redis.call('HGET', KEYS[2], 'k')
if member then
  redis.call('ZADD', KEYS[3], 0, member)
end
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) < expiry then
  redis.call('ZADD', KEYS[1], expiry, ARGV[1])
end
return 1
