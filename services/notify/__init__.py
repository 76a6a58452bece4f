"""Notify service: emails to institutions and citizens from appeal events, each once, with a delivery log."""
