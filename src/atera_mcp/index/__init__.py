"""The local ticket index: a mirror of the account's tickets, kept fresh from Atera's delta
feed, that answers `search_tickets` exactly and without a request. It lives in an SQLite file
(FTS5; the default) or, for replicas, in a PostgreSQL schema shared by all (ATERA_DATABASE_URL).

    backend.py   what the index asks of its storage (`IndexBackend`), sync state, observations
    store.py     the SQLite file: schema, upserts, comments, sync state, leases (blocking)
    postgres.py  the PostgreSQL schema: the same, for several replicas; the lease is a lock
    fts.py       user text as terms, rendered as FTS5 MATCH or tsquery; the shared tokenizer
    query.py     a search (filters, sort, text, keyset cursor) as SQL over the store (blocking)
    sync.py      the first sync and the deltas (async, via the client)
    upkeep.py    comment backfill and the daily id sweep that removes deleted tickets
    service.py   `TicketIndex`: what tools and the server use; runs store work off the event loop

Tools reach it through `ToolContext.index`, never through SQL of their own.
"""
