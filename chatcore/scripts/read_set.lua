-- Move a user's read position in one channel forward, never back, keeping
-- the positions of at most ARGV[3] channels (another one's is dropped to
-- make room: it reads as 0, never read), and when it moved tell the user's
-- connections but one: publish channelRead on ARGV[4] with a header that
-- skips the session ARGV[5].
-- KEYS[1] the user's read positions (a hash)
-- ARGV[1] the channel's recipientUUID ('' for general, else a UUID),
-- ARGV[2] the offset, ARGV[3] most positions kept, ARGV[4] the user's
-- topic, ARGV[5] the session that asked ('' for none)
-- Returns {stored offset, 1 when it moved, else 0}.
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local want = tonumber(ARGV[2])
if want <= cur then
  return {cur, 0}
end
if cur == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  for _, other in ipairs(redis.call('HRANDFIELD', KEYS[1], 2)) do
    if other ~= '' then
      redis.call('HDEL', KEYS[1], other)
      break
    end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], want)
redis.call('PUBLISH', ARGV[4], ',,,,,,,' .. ARGV[5] .. '\n{"type":"channelRead","channelRead":{"recipientUUID":"' ..
  ARGV[1] .. '","offset":' .. want .. '}}')
return {want, 1}
