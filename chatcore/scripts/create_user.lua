-- Create a user unless the name is taken, atomically.
-- KEYS[1] byname hash, KEYS[2] names hash, KEYS[3] the new user's hash,
-- KEYS[4] the sorted users index; all in one bucket (NewUserID draws the ID
-- in the bucket of the name)
-- ARGV[1] name key, ARGV[2] new user ID, ARGV[3] display name,
-- ARGV[4] password hash, ARGV[5] creation time, ARGV[6] index member
-- Returns {1, id} when created, {0, existing id} when the name was taken.
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then
  return {0, existing}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[3], 'username', ARGV[3], 'password', ARGV[4], 'created', ARGV[5])
redis.call('ZADD', KEYS[4], 0, ARGV[6])
return {1, ARGV[2]}
