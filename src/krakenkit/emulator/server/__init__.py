"""The emulator's aiohttp servers: spot and futures REST, WebSocket feeds, admin API."""
