"""What the server's replicas share through Redis (ATERA_REDIS_URL), in one room.

    SharedRedis   the bounded connection to Redis and the account's key prefix (redis_link.py)
    RedisBudget   the client's rate budget, kept across replicas by a Lua script
                  (redis_budget.py, redis_budget.lua); the client sees it as a `Budget`
    RedisLocks    a write's in-flight lock across replicas (redis_locks.py), behind
                  `tools.concurrency.KeyedLocks`

Imports flow `server -> shared -> (client, errors)`; nothing but the server's wiring (and ops'
readiness ping) uses this room. The package re-exports nothing, so importing one piece does not
load the others.
"""
