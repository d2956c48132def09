"""Check media positions at the end of each statement, so one UPDATE can reorder a listing.

PostgreSQL gets a DEFERRABLE INITIALLY IMMEDIATE unique constraint. Django creates no
deferrable constraint on SQLite, which has none: there a plain unique index keeps
duplicate positions out (checked row by row, so listings.media reorders in two steps).
"""

from django.db import migrations, models

SQLITE_INDEX = "media_position_unique_sqlite"


def create_sqlite_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f'CREATE UNIQUE INDEX "{SQLITE_INDEX}" ON "listings_media" ("listing_id", "position")')


def drop_sqlite_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{SQLITE_INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="media",
            name="media_position_unique_per_listing",
        ),
        migrations.AddConstraint(
            model_name="media",
            constraint=models.UniqueConstraint(
                deferrable=models.Deferrable["IMMEDIATE"],
                fields=("listing", "position"),
                name="media_position_unique_per_listing",
            ),
        ),
        migrations.RunPython(create_sqlite_index, drop_sqlite_index, elidable=False),
    ]
