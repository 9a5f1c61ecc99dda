-- Record a notification for a user and publish it, once per message (a
-- client library's retry of this script adds nothing).
-- It also records the channel among the user's channels (KEYS[2]), as
-- ARGV[7] (the sender: the channel's recipientUUID as the user names it),
-- scored ARGV[6] (now, Unix ms), keeping the ARGV[8] most recent.
-- KEYS[1] the user's notification log
-- ARGV[1] the user's topic, ARGV[2] the channel whose joined connections
-- skip it, ARGV[3] the notify frame, ARGV[4] the message's UUID, ARGV[5]
-- how many notifications the log keeps, ARGV[9] the message's offset (in the
-- header: a connection that was sent the message in the channel it just
-- left skips the notification of it)
-- Returns the entry's ID.
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[7])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[8]) - 1)
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] and last[1][2][2] == ARGV[4] then
  return last[1][1]
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 'u', ARGV[4], 'c', ARGV[2], 'f', ARGV[3], 'o', ARGV[9])
redis.call('PUBLISH', ARGV[1], ARGV[9] .. ',,' .. ARGV[2] .. ',,,' .. id .. '\n' .. ARGV[3])
return id
