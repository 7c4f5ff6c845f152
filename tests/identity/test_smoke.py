import pytest


@pytest.mark.django_db
def test_factories_build_a_person_with_sealed_id_number(make):
    person = make.person(name="张三")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM identity_person WHERE id = %s", [person.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:")
    assert person.id_number not in stored
    assert person.id_number_masked == person.id_number[:4] + "*" * 10 + person.id_number[-4:]
