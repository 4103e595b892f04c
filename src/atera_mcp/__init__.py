"""atera-mcp: the MCP server through which AI assistants run an MSP's service desk in Atera."""

__version__ = "0.1.0"
