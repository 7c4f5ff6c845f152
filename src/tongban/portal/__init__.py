"""Portal: the citizen- and enterprise-facing pages (home, register, login, 「我的」, agents,
the demo outbox). It composes the domain contexts through their services and selectors and
holds no business rules of its own."""
