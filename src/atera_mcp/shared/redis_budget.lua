-- The replicas' shared rate budget: one step of `Schedule` (ratelimit.py), atomically.
--
-- KEYS: 1 sent (zset: slots of both classes, interactive reservations included), 2 background
-- (zset: background slots), 3 pace (the next slot's due time), 4 sync pace, 5 pause (until).
-- ARGV: 1 op (interactive | background | pause | pause_left), 2 now ('' = Redis's own clock),
-- 3 reserved slot or pause seconds ('' = none), 4 rpm, 5 sync_rpm, 6 burst, 7 sync_burst,
-- 8 window seconds, 9 a member name unique to this call.
-- Returns {wait, reserved}: seconds to wait (0 = send now) and the reservation ('' = none).
-- Numbers travel as strings: Redis would truncate a Lua number reply to an integer.

local sent, background, pace, sync_pace, pause = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local op = ARGV[1]

local now
if ARGV[2] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[2])
end

local function fmt(x)
  return string.format('%.17g', x)
end

local function stored(key)
  local v = redis.call('GET', key)
  if v then return tonumber(v) end
  return -math.huge
end

local paused_until = stored(pause)

if op == 'pause' then
  local untl = now + tonumber(ARGV[3])
  if untl > paused_until then
    -- The expiry only tidies up: the stored time is what callers compare with.
    redis.call('SET', pause, fmt(untl), 'PX', math.ceil((untl - now) * 1000) + 1000)
    paused_until = untl
  end
  return {fmt(math.max(0, paused_until - now)), ''}
end
if op == 'pause_left' then
  return {fmt(math.max(0, paused_until - now)), ''}
end

local rpm, sync_rpm = tonumber(ARGV[4]), tonumber(ARGV[5])
local burst, sync_burst = tonumber(ARGV[6]), tonumber(ARGV[7])
local window = tonumber(ARGV[8])
local member = ARGV[9]
local interval, sync_interval = window / rpm, window / sync_rpm

-- Slots a window old can no longer hold anything back.
redis.call('ZREMRANGEBYSCORE', sent, '-inf', fmt(now - window))
redis.call('ZREMRANGEBYSCORE', background, '-inf', fmt(now - window))

-- The earliest time a new slot keeps "at most `count` in any `window`" (Limit.earliest).
local function earliest(key, count)
  if redis.call('ZCARD', key) < count then return -math.huge end
  local oldest = tonumber(redis.call('ZRANGE', key, -count, -count, 'WITHSCORES')[2])
  local at = oldest + window
  while at - oldest < window do -- the sum rounded a hair early: the window must hold
    at = at + math.max(math.abs(at), 1) * 2.220446049250313e-16
  end
  return at
end

-- Never before the last slot given out: for background, "no interactive caller is waiting".
local function not_before()
  local last = redis.call('ZRANGE', sent, -1, -1, 'WITHSCORES')[2]
  return math.max(now, last and tonumber(last) or now, paused_until)
end

local function record(key, at, keep)
  redis.call('ZADD', key, fmt(at), member)
  redis.call('ZREMRANGEBYRANK', key, 0, -(keep + 1))
end

local function tidy(due, sync_due)
  -- Expire the state once it can no longer matter: a window after its latest time.
  local last = redis.call('ZRANGE', sent, -1, -1, 'WITHSCORES')[2]
  local horizon = math.max(now, last and tonumber(last) or now, due, sync_due)
  local ms = math.ceil((horizon - now + window) * 1000) + 1000
  for _, key in ipairs({sent, background, pace, sync_pace}) do
    redis.call('PEXPIRE', key, ms)
  end
end

local due, sync_due = stored(pace), stored(sync_pace)

if op == 'interactive' then
  local reserved = tonumber(ARGV[3])
  if reserved == nil or reserved < paused_until then
    -- A first request, or a reservation a pause has since covered: queue at the end.
    reserved = math.max(not_before(), earliest(sent, rpm), due - (burst - 1) * interval)
    record(sent, reserved, rpm)
    due = math.max(due, reserved) + interval
    redis.call('SET', pace, fmt(due))
    tidy(due, sync_due)
  end
  return {fmt(math.max(0, reserved - now)), fmt(reserved)}
end

-- background: only a slot free now, never a saved one, interactive's burst kept in reserve.
local at = math.max(
  not_before(),
  earliest(sent, math.max(1, rpm - burst)),
  due,
  earliest(background, sync_rpm),
  sync_due - (sync_burst - 1) * sync_interval
)
if at > now then
  return {fmt(at - now), ''}
end
record(sent, now, rpm)
record(background, now, sync_rpm)
due = math.max(due, now) + interval
sync_due = math.max(sync_due, now) + sync_interval
redis.call('SET', pace, fmt(due))
redis.call('SET', sync_pace, fmt(sync_due))
tidy(due, sync_due)
return {'0', ''}
