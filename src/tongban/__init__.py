"""Tongban (通办): one network for every public service of a city."""
