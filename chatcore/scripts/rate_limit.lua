-- One request of a subject under a limit of ARGV[2] requests at once, one
-- coming back every ARGV[1] ms: GCRA (the generic cell rate algorithm).
-- KEYS[1] the subject's theoretical arrival time: when (Unix ms, Redis's
-- clock, so every instance agrees) its next request would be due at the
-- sustained rate; it expires once it has passed.
-- ARGV[1] interval in ms, ARGV[2] burst
-- Returns 0 when the request is allowed (and counted), else the ms until
-- one would be (a refused request counts nothing).
if redis.replicate_commands then
  redis.replicate_commands() -- Redis before 5 replicates writes after TIME only so
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or 0), now)
local wait = tat + interval - tonumber(ARGV[2]) * interval - now
if wait > 0 then
  return wait
end
redis.call('SET', KEYS[1], tat + interval, 'PX', tat + interval - now)
return 0
