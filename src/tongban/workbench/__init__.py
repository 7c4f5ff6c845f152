"""Workbench: the staff-facing pages (sign-in, the shell showing department and roles, person
lookup at the counter, department staff lists). Every view is scoped by role and department
through ``identity.access``; tests prove the wrong department or role is refused."""
