"""The agent's pages in a real browser: Debian's headless Chromium driven by Playwright.

The product runs in pytest-django's live server; the portal is the sandbox (a real server
process); real phone and listing photos come from ../shared/corpus. The tests also save
the screenshots shown in the README (docs/screenshots/).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone

from listings.models import Listing, Media
from listings.pictures import add_picture
from media_sync.models import ListingSync
from tests.agents import PASSWORD, make_agency, make_agent, make_listing

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # the test itself stay synchronous and safe. Set only while these tests run, so that
    # subprocesses of other tests (check --deploy) never inherit it.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def agency(transactional_db):
    return make_agency("Agence du Vieux-Port", "INT-BROWSER")


@pytest.fixture
def agent(agency):
    return make_agent(agency, "agent")


@pytest.fixture
def listing(agency):
    return make_listing(
        agency,
        reference="VP-2041",
        title="T3 lumineux avec balcon, vue mer",
        price=289000,
        postal_code="13002",
        city="Marseille",
        street="rue du Panier",
        house_number="12",
        description="Trois pièces traversant, refait à neuf.",
        living_area=68,
        rooms=3,
        bedrooms=2,
    )


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert not errors, errors


@pytest.fixture
def sync_calls(monkeypatch) -> list[int]:
    """Record each sync request, made in the live server's thread, then pass it on."""
    import media_sync.sync

    calls: list[int] = []
    real = media_sync.sync.request_sync

    def counting(listing, **kwargs):
        calls.append(listing.pk)
        return real(listing, **kwargs)

    monkeypatch.setattr(media_sync.sync, "request_sync", counting)
    return calls


def sign_in(page, live_server, username: str = "agent") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def open_manager(page, live_server, listing: Listing) -> None:
    page.goto(f"{live_server.url}/listings/{listing.pk}/media/")
    page.wait_for_function("document.documentElement.dataset.managerReady === '1'")


def group_ids(page, kind: str = "PICTURE") -> list[int]:
    return [
        int(pk)
        for pk in page.eval_on_selector_all(
            f'.cards[data-group="{kind}"] > .media-card:not(.is-deleted)', "cards => cards.map(card => card.dataset.id)"
        )
    ]


def card(page, pk: int):
    return page.locator(f'.media-card[data-id="{pk}"]')


def wait_for_uploads(page, count: int) -> None:
    page.wait_for_function(
        "count => document.querySelectorAll('.upload-row.is-done, .upload-row.is-error').length === count"
        " && !document.querySelector('.media-card .processing-veil:not([hidden])')",
        arg=count,
    )


def drag(page, source, target) -> None:
    """Drag `source` onto `target` with the mouse, in small steps as a hand would."""
    target.scroll_into_view_if_needed()
    source.scroll_into_view_if_needed()
    start, end = source.bounding_box(), target.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    x1, y1 = end["x"] + end["width"] * 0.25, end["y"] + end["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(x0 + (x1 - x0) * step / 20, y0 + (y1 - y0) * step / 20)
        page.wait_for_timeout(20)  # SortableJS reads the pointer on animation frames
    page.wait_for_timeout(100)
    page.mouse.up()
    page.wait_for_timeout(200)  # the drop animation


def wait_for_preview(page, pattern: str) -> str:
    page.wait_for_function(
        "pattern => new RegExp(pattern).test(document.getElementById('preview-text').textContent)", arg=pattern
    )
    return page.inner_text("#preview-text")


def screenshot(page, name: str, *, fit: bool = False, clip: dict | None = None) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if fit:  # a viewport as tall as the page, so that the sticky Save bar sits at the bottom
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 1280, "height": min(height, 3600)})
    page.screenshot(path=str(SCREENSHOTS / name), clip=clip)


def add_corpus_picture(listing: Listing, path: Path, **details) -> Media:
    with open(path, "rb") as file:
        media = add_picture(listing, upload=io.BytesIO(file.read()), filename=path.name, process_inline=True)
    if details:
        Media.objects.filter(pk=media.pk).update(**details)
    return media


@pytest.mark.needs_shared
def test_sign_in_and_the_listings_page(page, live_server, agency, agent, corpus_dir):
    houses = [
        ("VP-2041", "T3 lumineux avec balcon, vue mer", "13002", "Marseille", 289000, "house3", "APARTMENT"),
        ("VP-2042", "Maison familiale avec jardin", "44300", "Nantes", 425000, "house5", "HOUSE"),
        ("VP-2043", "Villa contemporaine avec piscine", "06400", "Cannes", 1190000, "house9", "VILLA"),
        ("VP-2044", "Studio meublé proche gare", "59000", "Lille", 690, "house11", "STUDIO"),
    ]
    states = ["SYNCED", "PENDING", "PORTAL_ERROR", None]
    for (reference, title, postal_code, city, price, house, kind), state in zip(houses, states, strict=True):
        listing = make_listing(
            agency,
            reference=reference,
            title=title,
            postal_code=postal_code,
            city=city,
            price=price,
            property_type=kind,
            transaction_type="RENT" if price < 5000 else "BUY",
        )
        for room in ("frontal", "kitchen", "bedroom"):
            add_corpus_picture(listing, corpus_dir / "listings" / f"{house}_{room}.jpg", is_draft=False)
        if state:
            ListingSync.objects.create(
                listing=listing, state=state, classified_id=f"c-{reference}", last_accepted_at=timezone.now()
            )
    other = make_listing(make_agency("Concurrent", "INT-OTHER"), reference="OTHER-1", title="Pas à nous")

    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    sign_in(page, live_server)

    assert page.locator(".listing-card").count() == 4
    assert other.title not in page.content()
    assert page.locator(".listing-card img[loading=lazy][width][height]").count() == 4
    assert page.locator("html").get_attribute("lang") == "fr"
    screenshot(page, "listings.png", fit=True)

    page.fill("input[name=q]", "Nantes")
    page.locator("form.filters button[type=submit]").click()
    assert page.locator(".listing-card").count() == 1


@pytest.mark.needs_shared
def test_upload_reorder_edit_links_and_save_then_the_portal(
    page,
    live_server,
    agent,
    listing,
    corpus_dir,
    sync_calls,
    portal,
    settings,
    tmp_path,
):
    settings.PORTAL_PREVIEW_URL = portal.sandbox.root_url + "/classifieds/{classified_id}/preview"
    photos = corpus_dir / "listings"
    refused = tmp_path / "plan-cadastral.jpg"
    refused.write_bytes(b"%PDF-1.4 this is a PDF renamed .jpg")
    sign_in(page, live_server)
    open_manager(page, live_server, listing)

    # Upload several real photos at once; the refused file says why, the others carry on.
    files = [
        photos / "house3_frontal.jpg",
        photos / "house3_kitchen.jpg",
        refused,
        photos / "house3_bedroom.jpg",
        photos / "house3_bathroom.jpg",
        corpus_dir / "exif" / "Landscape_1.jpg",
    ]
    page.set_input_files("#file-input", [str(path) for path in files])
    page.wait_for_selector(".upload-row progress")
    wait_for_uploads(page, len(files))
    assert page.locator(".upload-row.is-done").count() == 5
    error = page.locator(".upload-row.is-error")
    assert error.count() == 1 and "plan-cadastral.jpg" in error.inner_text()
    assert len(error.locator("[role=alert]").inner_text()) > 20
    assert page.locator(".upload-row.is-done progress[value='100']").count() == 5
    # A near-duplicate of the first picture, sent once the first is processed.
    page.set_input_files("#file-input", str(photos / "house3_frontal.jpg"))
    wait_for_uploads(page, len(files) + 1)
    pictures = group_ids(page)
    assert len(pictures) == 6
    assert Media.objects.filter(pk__in=pictures, is_draft=True).count() == 6
    names = [Media.objects.get(pk=pk).original.name for pk in pictures]
    assert ["house3_frontal" in name for name in names] == [True, False, False, False, False, True]  # chosen order
    assert "1" in card(page, pictures[-1]).locator(".warning[data-code=near_duplicate]").inner_text()
    assert card(page, pictures[0]).locator(".warning[data-code=too_small]").is_visible()

    # Drag the kitchen first, then the bedroom up one place with the keyboard.
    drag(page, card(page, pictures[1]).locator(".drag-handle"), card(page, pictures[0]).locator(".thumb"))
    assert group_ids(page)[:3] == [pictures[1], pictures[0], pictures[2]]
    card(page, pictures[2]).locator(".drag-handle").focus()
    page.keyboard.press("ArrowUp")
    assert group_ids(page)[:3] == [pictures[1], pictures[2], pictures[0]]
    assert page.locator(".cards[data-group=PICTURE] > .media-card").first.locator(".badge.cover").is_visible()

    # Caption, category and tags; delete the duplicate; rotate the last photo.
    kitchen = card(page, pictures[1])
    kitchen.locator(".f-title").fill("Cuisine équipée ouverte sur le séjour")
    kitchen.locator(".f-category").select_option("KITCHEN")
    kitchen.locator(".tags-picker summary").click()
    kitchen.locator(".tag-options input[value=KITCHEN]").check()
    kitchen.locator(".tag-options input[value=INDOOR]").check()
    card(page, pictures[5]).locator("[data-action=delete]").click()
    card(page, pictures[4]).locator("[data-action=rotate]").click()

    # A video link and a tour link; a bad link is refused on the spot.
    page.fill("#link-VIDEO", "https://vimeo.com/not-a-video")
    page.locator("[data-link-kind=VIDEO] button").click()
    page.wait_for_selector("#link-error-VIDEO:not([hidden])")
    page.fill("#link-VIDEO", "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    page.locator("[data-link-kind=VIDEO] button").click()
    page.wait_for_selector('.cards[data-group="VIDEO"] .media-card')
    page.fill("#link-VIRTUAL_TOUR", "https://my.matterport.com/show/?m=SxQL3iGyoDo")
    page.locator("[data-link-kind=VIRTUAL_TOUR] button").click()
    page.wait_for_selector('.cards[data-group="VIRTUAL_TOUR"] .media-card')
    assert page.locator('.cards[data-group="VIDEO"] .badge.shown').is_visible()

    assert page.locator("#dirty-flag").is_visible()
    wait_for_preview(page, r"\d")
    kitchen.locator(".tags-picker summary").click()  # close the tag list again
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "media-manager.png", fit=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Save: one transaction, then exactly one sync request.
    page.locator("#save-button").click()
    page.wait_for_url(re.compile(rf"/listings/{listing.pk}/media/$"))
    page.wait_for_function("document.documentElement.dataset.managerReady === '1'")
    saved = list(listing.media.order_by("position").values_list("pk", "kind", "title", "category", "tags", "is_draft"))
    kept = [pictures[1], pictures[2], pictures[0], pictures[3], pictures[4]]
    assert [row[0] for row in saved[:5]] == kept
    assert saved[0][1:] == ("PICTURE", "Cuisine équipée ouverte sur le séjour", "KITCHEN", ["INDOOR", "KITCHEN"], False)
    assert [row[1] for row in saved[5:]] == ["VIDEO", "VIRTUAL_TOUR"]
    assert not listing.media.filter(is_draft=True).exists()
    assert not Media.objects.filter(pk=pictures[5]).exists()
    assert Media.objects.get(pk=pictures[4]).quarter_turns == 1
    assert Listing.objects.get(pk=listing.pk).version == 2
    assert sync_calls == [listing.pk]
    assert ListingSync.objects.get(listing=listing).requested_version == 1
    assert not page.locator("#dirty-flag").is_visible()

    # The sync engine sends it to the sandbox; the page shows the outcome and the preview link.
    portal.sync_and_settle(listing)
    page.reload()
    panel = page.locator(".portal-panel")
    sync = ListingSync.objects.get(listing=listing)
    assert sync.state == "SYNCED", (sync.state, sync.error)
    assert panel.locator(".portal-badge.tone-ok").is_visible()
    preview_link = panel.locator(f'a[href="{settings.PORTAL_PREVIEW_URL.format(classified_id=sync.classified_id)}"]')
    assert preview_link.is_visible()
    assert page.request.get(preview_link.get_attribute("href")).ok
    assert wait_for_preview(page, ".") and page.locator("#preview-text.nothing").count() == 1

    # A new change: the preview next to Save says what the portal will do.
    card(page, pictures[3]).locator("[data-action=first]").click()
    text = wait_for_preview(page, r"\d")
    assert not page.locator("#preview-text.nothing").count()
    assert "1" in text or "2" in text
    bar = page.locator(".savebar").bounding_box()
    screenshot(
        page, "change-preview.png", clip={"x": 0, "y": bar["y"] - 330, "width": 1280, "height": bar["height"] + 330}
    )


def test_two_tabs_saving_the_same_listing_lose_nothing(context, live_server, agent, listing, sync_calls):
    first = make_pictures(listing, 3)
    tab_a, tab_b = context.new_page(), context.new_page()
    sign_in(tab_a, live_server)
    for tab in (tab_a, tab_b):
        open_manager(tab, live_server, listing)

    card(tab_a, first[0]).locator(".f-title").fill("Salon baigné de lumière")
    tab_a.locator("#save-button").click()
    tab_a.wait_for_selector(".message")

    drag(tab_b, card(tab_b, first[2]).locator(".drag-handle"), card(tab_b, first[0]).locator(".thumb"))
    assert group_ids(tab_b) == [first[2], first[0], first[1]]
    tab_b.locator("#save-button").click()
    tab_b.wait_for_selector("#conflict-notice")
    tab_b.wait_for_function("document.documentElement.dataset.managerReady === '1'")

    # Nothing of tab B was written; B sees A's caption and still has its own order, not saved yet.
    assert list(listing.media.values_list("pk", flat=True)) == first
    assert group_ids(tab_b) == [first[2], first[0], first[1]]
    assert card(tab_b, first[0]).locator(".f-title").input_value() == "Salon baigné de lumière"
    assert tab_b.locator("#dirty-flag").is_visible()
    screenshot(tab_b, "two-tabs-conflict.png")

    tab_b.locator("#save-button").click()
    tab_b.wait_for_selector(".message")
    assert list(listing.media.values_list("pk", "title")) == [
        (first[2], ""),
        (first[0], "Salon baigné de lumière"),
        (first[1], ""),
    ]
    assert len(sync_calls) == 2


def test_discard_returns_to_the_saved_state_and_deletes_uploads(page, live_server, agent, listing, tmp_path):
    pictures = make_pictures(listing, 2)
    sign_in(page, live_server)
    open_manager(page, live_server, listing)
    photo = tmp_path / "nouvelle.jpg"
    photo.write_bytes(picture_bytes(7))
    page.set_input_files("#file-input", str(photo))
    wait_for_uploads(page, 1)
    card(page, pictures[0]).locator("[data-action=delete]").click()
    card(page, pictures[1]).locator(".f-title").fill("À jeter")
    assert listing.media.filter(is_draft=True).count() == 1

    page.locator("#discard-button").click()
    page.wait_for_selector(".message")

    assert group_ids(page) == pictures
    assert not listing.media.filter(is_draft=True).exists()
    assert card(page, pictures[1]).locator(".f-title").input_value() == ""
    assert page.locator("#discard-button").is_disabled()


def test_leaving_with_unsaved_changes_warns(page, live_server, agent, listing):
    pictures = make_pictures(listing, 2)
    sign_in(page, live_server)
    open_manager(page, live_server, listing)
    card(page, pictures[1]).locator("[data-action=first]").click()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]


def test_french_by_default_and_english_through_the_switcher(page, live_server, agent, listing):
    make_pictures(listing, 2)
    sign_in(page, live_server)
    open_manager(page, live_server, listing)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#save-button").inner_text() == "Enregistrer"
    assert page.locator(".badge.cover").inner_text() == "Couverture, affichée dans les résultats de recherche"
    assert page.locator("h2#h-PICTURE").inner_text().startswith("Photos")

    page.select_option("#language-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.wait_for_function("document.documentElement.dataset.managerReady === '1'")
    assert page.locator("#save-button").inner_text() == "Save"
    assert page.locator(".badge.cover").inner_text() == "Cover, shown in search results"
    assert page.locator("h2#h-PICTURE").inner_text().startswith("Pictures")
    screenshot(page, "media-manager-en.png")


def test_every_control_has_an_accessible_name(page, live_server, agent, listing):
    make_pictures(listing, 2)
    Media.objects.create(
        listing=listing, kind="VIDEO", position=5, external_url="https://vimeo.com/76979871", processing_status="READY"
    )
    sign_in(page, live_server)
    for url in ("/", f"/listings/{listing.pk}/media/", f"/listings/{listing.pk}/edit/", "/listings/new/"):
        page.goto(live_server.url + url)
        nameless = page.evaluate(
            """() => [...document.querySelectorAll(
                'button, input:not([type=hidden]), select, textarea, a[href], summary')]
              .filter(el => !el.closest('template'))
              .filter(el => {
                const labelled = (el.labels && [...el.labels].some(l => l.textContent.trim()))
                  || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title');
                return !labelled && !(el.textContent || el.value || '').trim();
              })
              .map(el => el.outerHTML.slice(0, 120))"""
        )
        assert nameless == [], (url, nameless)


@pytest.mark.needs_shared
def test_a_phone_heic_photo_is_processed_by_the_worker(
    page, live_server, agent, listing, corpus_dir, celery_worker_process
):
    sign_in(page, live_server)
    open_manager(page, live_server, listing)
    page.set_input_files("#file-input", str(corpus_dir / "phones" / "IMG_5195.HEIC"))
    page.wait_for_selector(".media-card .processing-veil:not([hidden])")
    wait_for_uploads(page, 1)
    (pk,) = group_ids(page)
    image = card(page, pk).locator(".thumb img")
    assert image.is_visible() and image.get_attribute("src").endswith(".jpg")
    media = Media.objects.get(pk=pk)
    assert (media.processing_status, media.is_draft) == ("READY", True)


# --- helpers that need no corpus -------------------------------------------------------------


def picture_bytes(seed: int) -> bytes:
    from tests.agents import jpeg_bytes

    return jpeg_bytes((1200, 900), color=(40 + seed * 30 % 200, 90, 160 - seed * 10 % 100), seed=seed)


def make_pictures(listing: Listing, count: int) -> list[int]:
    """Add `count` processed, saved pictures to `listing`; return their ids in order."""
    ids = []
    for seed in range(count):
        media = add_picture(
            listing, upload=io.BytesIO(picture_bytes(seed)), filename=f"p{seed}.jpg", process_inline=True
        )
        ids.append(media.pk)
    return ids
