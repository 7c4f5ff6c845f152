"""Notify: the outbox of SMS, e-mail and in-site messages. Every message is written to the
outbox in the sender's transaction and delivered afterwards by a background task through a
pluggable delivery backend (the demo's backend only marks it sent; the demo outbox page
shows it)."""
