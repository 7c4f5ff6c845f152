"""Signed credentials: SD-JWT VCs issued by departments, their keys and their status lists."""
