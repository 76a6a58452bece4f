"""Pure rules of the media service: what a file really is, whether it is acceptable, its states, who may see it."""
