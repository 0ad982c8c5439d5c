"""mcp: Aya's MCP server (the shop tools over the Model Context Protocol) and the registry of external MCP servers
that feeds the assistants. See :mod:`aya.mcp.server`, :mod:`aya.mcp.http`, :mod:`aya.mcp.registry`."""
