"""What the portal displays for a classified: its search-list card and its detail page.

Built from the media as the portal processed them (not from the last payload): the
cover is the first picture that was created, the gallery shows pictures in order, only
the first video and the first virtual tour are shown, and every media left out is
listed with the reason, in the agent's language.
"""

from dataclasses import dataclass, field

from django.urls import reverse

from portal_sandbox.models import Classified, PortalMedia
from portal_sandbox.vocabulary import ClassifiedStatus, MediaStatus

ESTATE_LABELS = {
    "HOUSE": "Maison", "APARTMENT": "Appartement", "PLOT": "Terrain", "OFFICE": "Bureau",
    "TRADING": "Local commercial", "PARKING": "Parking", "PROJECT": "Programme neuf",
}  # fmt: skip
_PICTURE_TYPES = ("PICTURE", "PANORAMA")
_FAILURE_LABELS = {
    MediaStatus.DOWNLOADING_FAILED: "le portail n'a pas pu le télécharger",
    MediaStatus.CREATING_FAILED: "le fichier n'a pas pu être traité",
}


@dataclass(frozen=True)
class ShownMedia:
    url: str
    title: str
    src: str
    embedded: bool = False


@dataclass(frozen=True)
class HiddenMedia:
    url: str
    media_type: str
    reason: str


@dataclass
class Preview:
    classified: Classified
    title: str
    price: str
    city: str
    description: str
    status: str
    processing: bool
    cover: ShownMedia | None = None
    pictures: list[ShownMedia] = field(default_factory=list)
    video: ShownMedia | None = None
    tour: ShownMedia | None = None
    hidden: list[HiddenMedia] = field(default_factory=list)


def classified_preview(classified: Classified) -> Preview:
    """Return what the portal shows for ``classified``."""
    data = classified.payload.get("data", {})
    last = classified.status_events.order_by("-id").first()
    status = last.status if last else ClassifiedStatus.RECEIVED
    preview = Preview(
        classified=classified,
        title=_text(data.get("texts", {}).get("headline")) or _default_title(data),
        price=_price(data),
        city=" ".join(filter(None, [data.get("location", {}).get("postalcode"), data.get("location", {}).get("city")])),
        description=_text(data.get("texts", {}).get("description")),
        status=status,
        processing=status not in ClassifiedStatus.FINAL,
    )
    for media in classified.media.all():
        _place(preview, media)
    preview.cover = preview.pictures[0] if preview.pictures else None
    return preview


def _place(preview: Preview, media: PortalMedia) -> None:
    """Put one media where the portal shows it, or on the list of hidden media."""
    if media.status in MediaStatus.FAILED:
        reason = f"{_FAILURE_LABELS[media.status]} ({media.status} : {media.reason})"
        preview.hidden.append(HiddenMedia(media.url, media.media_type, reason))
        return
    if media.status not in MediaStatus.DISPLAYABLE:
        preview.hidden.append(HiddenMedia(media.url, media.media_type, f"en cours de traitement ({media.status})"))
        return
    if media.media_type in _PICTURE_TYPES:
        src = reverse("rendition", args=[media.pk])
        preview.pictures.append(ShownMedia(media.url, media.title, src))
    elif media.media_type == "VIDEO":
        if preview.video is None:
            preview.video = ShownMedia(media.url, media.title, media.url, embedded=not media.byte_size)
        else:
            preview.hidden.append(HiddenMedia(media.url, media.media_type, "seule la première vidéo est affichée"))
    elif preview.tour is None:
        preview.tour = ShownMedia(media.url, media.title, media.url, embedded=True)
    else:
        preview.hidden.append(
            HiddenMedia(media.url, media.media_type, "seule la première visite virtuelle est affichée")
        )


def _text(multilingual: dict | None) -> str:
    """Return the French version of a multilingual text, else any version."""
    if not multilingual:
        return ""
    return multilingual.get("fr") or next(iter(multilingual.values()), "")


def _default_title(data: dict) -> str:
    """Return the title a portal composes when the classified has no headline."""
    label = ESTATE_LABELS.get(data.get("estateType", ""), "Bien")
    city = data.get("location", {}).get("city")
    return f"{label} à {city}" if city else label


def _price(data: dict) -> str:
    """Return the displayed price: sale price, or monthly rent."""
    prices = data.get("prices", {})
    if data.get("distributionType") == "RENT":
        rent = prices.get("rent", {})
        amount = (rent.get("totalRent") or rent.get("baseRent") or {}).get("amount")
        return f"{_euros(amount)} / mois" if amount is not None else "Loyer non communiqué"
    amount = prices.get("buy", {}).get("price", {}).get("amount")
    return _euros(amount) if amount is not None else "Prix non communiqué"


def _euros(amount: float) -> str:
    """Return an amount the French way: 350 000 €."""
    return f"{amount:,.0f}".replace(",", "\u202f") + "\u00a0€"
