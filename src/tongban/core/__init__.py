"""Shared kernel: coded domain errors and their HTTP mapping, the hash-chained audit log,
field encryption with keyed lookup hashes, request context, permission helpers and base pieces
that every context uses. It depends on no other Tongban context."""
