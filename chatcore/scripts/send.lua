-- Store a message, give it the channel's next offset, trim the channel to
-- its retention bound and publish it, all at once. (The notification of a
-- private message's recipient is a second script, on the recipient's slot.) Running it twice with
-- the same dedupe key (a retried clientID, or the same message sent again
-- by a client library's retry) stores it once.
-- KEYS[1] channel seq, KEYS[2] channel log, KEYS[3] dedupe key (the
-- clientID key, or the message's own key), KEYS[4] channel epoch
-- ARGV[1] message JSON without Offset (an object with at least one field)
-- ARGV[2] retention, ARGV[3] channel topic, ARGV[4] dedupe key TTL (seconds)
-- ARGV[5] a new epoch, used when the channel has none, ARGV[6] '1' to
-- publish, '0' when the caller publishes (once replicas have it)
-- Returns {1, offset, json, epoch} when stored, {0, offset, json or false,
-- epoch} when the dedupe key was seen already.
local epoch = redis.call('GET', KEYS[4])
if not epoch then
  epoch = ARGV[5]
  redis.call('SET', KEYS[4], epoch)
end
local prev = redis.call('GET', KEYS[3])
if prev then
  local e = redis.call('XRANGE', KEYS[2], prev .. '-0', prev .. '-0')
  if e[1] then return {0, tonumber(prev), e[1][2][2], epoch} end
  return {0, tonumber(prev), false, epoch}
end
local off = redis.call('INCR', KEYS[1])
if off == 1 then
  -- The counter is new: continue after the log's last entry, if any, so an
  -- offset is never given twice.
  local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
  if last[1] then
    off = tonumber(string.match(last[1][1], '^(%d+)')) + 1
    redis.call('SET', KEYS[1], off)
  end
end
local msg = '{"Offset":' .. off .. ',' .. string.sub(ARGV[1], 2)
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], off .. '-0', 'm', msg)
redis.call('SET', KEYS[3], off, 'EX', ARGV[4])
if ARGV[6] == '1' then
  redis.call('PUBLISH', ARGV[3], off .. ',,,,' .. epoch .. '\n{"type":"channelMessage","channelMessage":' .. msg .. '}')
end
return {1, off, msg, epoch}
