"""Ashyq's services. Each sub-package is one service; `common` is the small shared chassis."""
