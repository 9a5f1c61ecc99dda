-- Store a message, give it the channel's next offset, trim the channel to
-- its retention bound and publish it, all at once.
-- KEYS[1] channel seq, KEYS[2] channel log, KEYS[3] clientID key (optional)
-- ARGV[1] message JSON without Offset (an object with at least one field)
-- ARGV[2] retention, ARGV[3] channel topic, ARGV[4] clientID TTL (seconds)
-- ARGV[5] topic of the other member of a private channel ('' for general)
-- ARGV[6] channel ID, ARGV[7] sender ID
-- Returns {1, offset, json} when stored, {0, offset, json or false} when the
-- clientID was seen already.
if KEYS[3] then
  local prev = redis.call('GET', KEYS[3])
  if prev then
    local e = redis.call('XRANGE', KEYS[2], prev .. '-0', prev .. '-0')
    if e[1] then return {0, tonumber(prev), e[1][2][2]} end
    return {0, tonumber(prev), false}
  end
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
if KEYS[3] then
  redis.call('SET', KEYS[3], off, 'EX', ARGV[4])
end
redis.call('PUBLISH', ARGV[3], off .. ',,\n{"type":"channelMessage","channelMessage":' .. msg .. '}')
if ARGV[5] ~= '' then
  redis.call('PUBLISH', ARGV[5], ',,' .. ARGV[6] .. '\n{"type":"notify","notify":{"recipientUUID":"' .. ARGV[7] .. '","message":' .. msg .. '}}')
end
return {1, off, msg}
