-- Remove one instance's mark of a user (or none, to sweep expired marks) and
-- publish presence offline when no live mark remains.
-- KEYS[1] online zset, KEYS[2] the user's presence hash, KEYS[3] the
-- online-by-name index
-- ARGV[1] user ID, ARGV[2] instance field or '', ARGV[3] now (Unix ms),
-- ARGV[4] broadcast topic
-- Returns 1 when the user went offline, 0 otherwise.
if ARGV[2] ~= '' then
  redis.call('HDEL', KEYS[2], ARGV[2])
end
local now = tonumber(ARGV[3])
local fields = redis.call('HGETALL', KEYS[2])
local live = 0
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == 'i:' then
    local v = tonumber(fields[i + 1])
    if v > now then
      if v > live then live = v end
    else
      redis.call('HDEL', KEYS[2], fields[i])
    end
  end
end
if live > 0 then
  redis.call('ZADD', KEYS[1], live, ARGV[1])
  return 0
end
local user = redis.call('HGET', KEYS[2], 'u')
local member = redis.call('HGET', KEYS[2], 'k')
if member then
  redis.call('ZREM', KEYS[3], member)
end
redis.call('DEL', KEYS[2])
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 and user then
  redis.call('PUBLISH', ARGV[4], ',,\n{"type":"sys","sys":{"type":"presence","presence":{"OnLine":false,' .. string.sub(user, 2) .. '}}')
  return 1
end
return 0
