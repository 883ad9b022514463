"""Pure-Python domain services; never imports Qt, qasync or the upper layers."""
