"""Cases: one application (办件) by one applicant for one item or theme, from draft through
pre-review, acceptance, parallel review and decision to delivery, with its timeline, materials,
correction notices, review tasks and working-day clocks. The state machine in ``states`` is the
only way a case changes state; pages and APIs call ``services`` and read through ``selectors``."""
