"""Pure domain code: Atera's wire models, the views tools return, the service-desk rules.

Nothing here performs I/O or imports httpx or mcp.
"""
