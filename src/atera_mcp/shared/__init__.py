"""What the server's processes share: replicas through Redis (ATERA_REDIS_URL), the processes
of one machine through a file (ATERA_BUDGET_PATH), in one room.

    SharedRedis   the bounded connection to Redis and the account's key prefix (redis_link.py)
    RedisBudget   the client's rate budget, kept across replicas by a Lua script
                  (redis_budget.py, redis_budget.lua); the client sees it as a `Budget`
    FileBudget    the same budget for one machine's processes without Redis, kept in an
                  SQLite file beside the index (file_budget.py)
    RedisLocks    a write's in-flight lock across replicas (redis_locks.py), behind
                  `tools.concurrency.KeyedLocks`

Imports flow `server -> shared -> (client, errors)`; nothing but the server's wiring (and
`index sync`, ops' readiness ping) uses this room. The package re-exports nothing, so importing
one piece does not load the others.
"""
