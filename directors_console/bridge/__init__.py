"""The only layer that knows both asyncio and Qt (through qasync)."""
