"""The local ticket index: a mirror of the account's tickets in SQLite (FTS5), kept fresh from
Atera's delta feed, that answers `search_tickets` exactly and without a request.

    store.py     the SQLite file: schema, upserts, comments, sync state, leases (blocking)
    query.py     a search (filters, sort, text, keyset cursor) as SQL over the store (blocking)
    sync.py      the first sync and the deltas (async, via the client)
    upkeep.py    comment backfill and the daily id sweep that removes deleted tickets
    service.py   `TicketIndex`: what tools and the server use; runs store work off the event loop

Tools reach it through `ToolContext.index`, never through SQL of their own.
"""
