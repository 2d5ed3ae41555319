"""The emulator: a local Kraken-compatible exchange (engine, accounts, servers)."""
