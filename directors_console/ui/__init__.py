"""Qt widgets: one package per tab plus ``common``; widgets own no domain state."""
