-- Replace a stream's epoch unless another instance did first.
-- KEYS[1] the channel's epoch; ARGV[1] the epoch found stale, ARGV[2] a new one
-- Returns the epoch now in force.
local cur = redis.call('GET', KEYS[1])
if not cur or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return ARGV[2]
end
return cur
