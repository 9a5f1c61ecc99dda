-- Mark a user online on one instance until an expiry; publish presence when
-- the user was not online before.
-- KEYS[1] online zset, KEYS[2] the user's presence hash, KEYS[3] the
-- online-by-name index
-- ARGV[1] user ID, ARGV[2] user JSON without OnLine, ARGV[3] instance field,
-- ARGV[4] expiry (Unix ms), ARGV[5] now (Unix ms), ARGV[6] broadcast topic,
-- ARGV[7] the user's index member
-- Returns 1 when the user came online, 0 otherwise.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
local expiry = tonumber(ARGV[4])
redis.call('HSET', KEYS[2], 'u', ARGV[2], 'k', ARGV[7], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[3], 0, ARGV[7])
if not score or tonumber(score) < expiry then
  redis.call('ZADD', KEYS[1], expiry, ARGV[1])
end
if score and tonumber(score) > tonumber(ARGV[5]) then
  return 0
end
redis.call('PUBLISH', ARGV[6], ',,\n{"type":"sys","sys":{"type":"presence","presence":{"OnLine":true,' .. string.sub(ARGV[2], 2) .. '}}')
return 1
