"""The foundation: settings, model invariants, admin access, demo data, a real worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import IntegrityError, transaction

from listings.models import Agency, Listing, Media, User

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def agency(db) -> Agency:
    return Agency.objects.create(name="Agence du Port", intermediary_id="INT-1", offerer_marketing_key="MK-1")


@pytest.fixture
def listing(agency) -> Listing:
    return Listing.objects.create(agency=agency, reference="REF-1", title="T3 lumineux", price=250000, postal_code="13002", city="Marseille")


def make_media(listing: Listing, **fields) -> Media:
    values = {"kind": "VIDEO", "position": 0, "external_url": "https://www.youtube.com/watch?v=abc", "processing_status": "READY"}
    values.update(fields)
    return Media.objects.create(listing=listing, **values)


def test_database_refuses_two_media_at_the_same_position(listing):
    make_media(listing, position=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_media(listing, position=0, external_url="https://vimeo.com/1")


def test_database_refuses_an_unknown_category(listing):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_media(listing, category="SPACESHIP")


def test_database_refuses_an_unknown_media_kind(listing):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_media(listing, kind="HOLOGRAM")


def test_database_refuses_a_media_without_source(listing):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_media(listing, external_url="")


def test_database_refuses_a_reference_used_twice_in_one_agency(listing, agency):
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.create(agency=agency, reference="REF-1", title="x", price=1, postal_code="1", city="x")


def test_the_same_reference_is_allowed_in_another_agency(listing):
    other = Agency.objects.create(name="Autre", intermediary_id="INT-2", offerer_marketing_key="MK-2")
    Listing.objects.create(agency=other, reference="REF-1", title="x", price=1, postal_code="1", city="x")


def test_database_refuses_an_agent_without_agency(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("lonely", password="x", is_staff=False)


def test_database_refuses_an_unknown_energy_class(agency):
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.create(agency=agency, reference="R", title="x", price=1, postal_code="1", city="x", dpe_class="Z")


def test_a_media_has_an_unguessable_public_key(listing):
    first, second = make_media(listing, position=0), make_media(listing, position=1, external_url="https://vimeo.com/2")
    assert first.public_key != second.public_key
    assert len(first.public_key) >= 24


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}, timeout=60
    )


def test_production_settings_refuse_the_development_secret_key():
    result = run_python("import django; django.setup()", DJANGO_SETTINGS_MODULE="config.settings", DJANGO_ENV="production", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_ENV": "production", "SECRET_KEY": "x" * 20 + uuid.uuid4().hex * 2,
             "PORTAL_CLIENT_SECRET": "a-real-secret", "ALLOWED_HOSTS": "media.example.fr"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_admin_is_open_to_staff(client, listing):
    staff = User.objects.create_user("boss", password="pw", is_staff=True, is_superuser=True)
    client.force_login(staff)
    for url in ["/admin/", "/admin/listings/listing/", f"/admin/listings/listing/{listing.pk}/change/",
                "/admin/listings/agency/", "/admin/listings/user/", "/admin/listings/media/"]:  # fmt: skip
        assert client.get(url).status_code == 200, url


def test_admin_is_refused_to_agents(client, listing, agency):
    agent = User.objects.create_user("agent", password="pw", agency=agency)
    client.force_login(agent)
    response = client.get("/admin/listings/listing/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_seed_demo_can_run_twice(db):
    call_command("seed_demo", verbosity=0)
    counts = (Agency.objects.count(), User.objects.count(), Listing.objects.count(), Media.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Agency.objects.count(), User.objects.count(), Listing.objects.count(), Media.objects.count()) == counts
    assert counts[2] == 3
    assert User.objects.get(username="agent").check_password("agent-demo-2026")
    assert Media.objects.filter(kind="PICTURE", processing_status="READY").count() >= 3


def test_a_real_worker_runs_a_task_through_the_configured_broker(celery_worker_process):
    from listings.tasks import ping

    token = uuid.uuid4().hex
    ping.delay(token)
    deadline = time.monotonic() + 30
    while cache.get(f"ping:{token}") != "pong":
        assert time.monotonic() < deadline, celery_worker_process.log()
        time.sleep(0.2)


def test_an_admin_edit_of_a_listing_raises_its_version_and_requests_one_sync(client, listing):
    from media_sync.models import ListingSync

    staff = User.objects.create_user("boss", password="pw", is_staff=True, is_superuser=True)
    client.force_login(staff)
    page = client.get(f"/admin/listings/listing/{listing.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"title": "T3 rénové", "media-TOTAL_FORMS": "0", "media-INITIAL_FORMS": "0"})
    response = client.post(f"/admin/listings/listing/{listing.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    listing.refresh_from_db()
    assert (listing.title, listing.version) == ("T3 rénové", 2)
    assert ListingSync.objects.get(listing=listing).requested_version == 1


def admin_change_data(page) -> dict[str, str]:
    """Return the POST data of an admin change page as the browser would send it unchanged."""
    data: dict[str, str] = {}
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else str(value)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = str(formset.management_form[name].value())
        for inline_form in formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                data[inline_form.add_prefix(name)] = "" if value is None else str(value)
    return data


def test_staff_reorder_media_in_the_admin_through_the_domain_functions(client, listing):
    staff = User.objects.create_user("boss", password="pw", is_staff=True, is_superuser=True)
    client.force_login(staff)
    first = make_media(listing, position=0, external_url="https://vimeo.com/1")
    second = make_media(listing, position=1, external_url="https://vimeo.com/2")
    third = make_media(listing, position=2, external_url="https://vimeo.com/3")
    page = client.get(f"/admin/listings/listing/{listing.pk}/change/")
    data = admin_change_data(page)
    new_positions = {first.pk: 2, second.pk: 0, third.pk: 1}
    for index in range(3):
        media_id = int(data[f"media-{index}-id"])
        data[f"media-{index}-position"] = str(new_positions[media_id])
    data["media-0-title"] = "Visite du séjour"
    response = client.post(f"/admin/listings/listing/{listing.pk}/change/", data)
    assert response.status_code == 302
    ordered = list(listing.media.order_by("position").values_list("pk", "position"))
    assert ordered == [(second.pk, 0), (third.pk, 1), (first.pk, 2)]


def test_deleting_a_media_in_the_admin_removes_its_files_after_commit(client, listing, django_capture_on_commit_callbacks):
    import io

    from django.core.files.storage import default_storage

    from listings.pictures import add_picture
    from tests.agents import jpeg_bytes

    staff = User.objects.create_user("boss", password="pw", is_staff=True, is_superuser=True)
    client.force_login(staff)
    media = add_picture(listing, upload=io.BytesIO(jpeg_bytes()), filename="a.jpg")
    files = [media.original.name, media.thumbnail.name, media.versions.get().file.name]
    assert media.original.storage.exists(files[0]) and default_storage.exists(files[1])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/listings/media/{media.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Media.objects.filter(pk=media.pk).exists()
    assert not media.original.storage.exists(files[0])
    assert not any(default_storage.exists(name) for name in files[1:])
