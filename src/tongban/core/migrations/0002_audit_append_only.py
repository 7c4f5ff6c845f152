"""PostgreSQL refuses UPDATE and DELETE on audit entries (TRUNCATE stays possible for the
database owner, e.g. test teardown). SQLite relies on the model guard and on verification."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION tongban_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON core_auditentry
  FOR EACH ROW EXECUTE FUNCTION tongban_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS tongban_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
