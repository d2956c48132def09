"""The enumerations of the domain, in one place, with translatable labels.

Values are the portal's own words where the portal has one (media types, categories,
distribution types), so that the payload builder maps them without a table.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MediaKind(models.TextChoices):
    PICTURE = "PICTURE", _("Picture")
    VIDEO = "VIDEO", _("Video")
    VIRTUAL_TOUR = "VIRTUAL_TOUR", _("Virtual tour")
    PANORAMA = "PANORAMA", _("360° panorama")


class MediaCategory(models.TextChoices):
    """The portal's 35 media categories; tags use the same values."""

    BALCONY = "BALCONY", _("Balcony")
    BASEMENT = "BASEMENT", _("Basement")
    BATHROOM = "BATHROOM", _("Bathroom")
    BEDROOM = "BEDROOM", _("Bedroom")
    CHILDREN_ROOM = "CHILDREN_ROOM", _("Children's room")
    CORRIDOR = "CORRIDOR", _("Corridor")
    COVER_PICTURE = "COVER_PICTURE", _("Cover picture")
    ENERGY_CERTIFICATE = "ENERGY_CERTIFICATE", _("Energy certificate")
    ENTRY_HALL = "ENTRY_HALL", _("Entry hall")
    FLOOR_PLAN = "FLOOR_PLAN", _("Floor plan")
    GARAGE = "GARAGE", _("Garage")
    GARDEN = "GARDEN", _("Garden")
    HOUSE_VIEW = "HOUSE_VIEW", _("House view")
    INDOOR = "INDOOR", _("Indoor")
    KITCHEN = "KITCHEN", _("Kitchen")
    LIVING_ROOM = "LIVING_ROOM", _("Living room")
    LOGO = "LOGO", _("Logo")
    MAP = "MAP", _("Map")
    MISC = "MISC", _("Miscellaneous")
    OUTDOOR = "OUTDOOR", _("Outdoor")
    OUTDOOR_BUILDING = "OUTDOOR_BUILDING", _("Outdoor building")
    OUTDOOR_HOUSE = "OUTDOOR_HOUSE", _("Outdoor house")
    OUTSIDE_VIEW = "OUTSIDE_VIEW", _("Outside view")
    POOL = "POOL", _("Pool")
    PROPERTY_INFORMATION = "PROPERTY_INFORMATION", _("Property information")
    SCHEMA = "SCHEMA", _("Schema")
    SITE_PLAN = "SITE_PLAN", _("Site plan")
    STAIRS = "STAIRS", _("Stairs")
    STORAGE_ROOM = "STORAGE_ROOM", _("Storage room")
    SURROUNDING = "SURROUNDING", _("Surroundings")
    TERRACE = "TERRACE", _("Terrace")
    TOILETS = "TOILETS", _("Toilets")
    VERANDA = "VERANDA", _("Veranda")
    VIEW_FROM_PROPERTY = "VIEW_FROM_PROPERTY", _("View from the property")
    WORK_ROOM = "WORK_ROOM", _("Study")


class TransactionType(models.TextChoices):
    """Sale or rent; the values are the portal's `distributionType`."""

    SALE = "BUY", _("Sale")
    RENT = "RENT", _("Rent")


class PropertyType(models.TextChoices):
    APARTMENT = "APARTMENT", _("Apartment")
    STUDIO = "STUDIO", _("Studio")
    LOFT = "LOFT", _("Loft")
    HOUSE = "HOUSE", _("House")
    VILLA = "VILLA", _("Villa")
    TOWN_HOUSE = "TOWN_HOUSE", _("Town house")
    FARMHOUSE = "FARMHOUSE", _("Farmhouse")
    PLOT = "PLOT", _("Land")
    PARKING = "PARKING", _("Parking")
    OFFICE = "OFFICE", _("Office")
    SHOP = "SHOP", _("Shop")


# The portal's estateType and optional estateSubType (key, value) for each property type.
PORTAL_ESTATE_TYPES: dict[str, tuple[str, tuple[str, str] | None]] = {
    PropertyType.APARTMENT: ("APARTMENT", None),
    PropertyType.STUDIO: ("APARTMENT", ("apartment", "STUDIO")),
    PropertyType.LOFT: ("APARTMENT", ("apartment", "LOFT")),
    PropertyType.HOUSE: ("HOUSE", None),
    PropertyType.VILLA: ("HOUSE", ("house", "VILLA")),
    PropertyType.TOWN_HOUSE: ("HOUSE", ("house", "TOWN_HOUSE")),
    PropertyType.FARMHOUSE: ("HOUSE", ("house", "FARMHOUSE")),
    PropertyType.PLOT: ("PLOT", None),
    PropertyType.PARKING: ("PARKING", None),
    PropertyType.OFFICE: ("OFFICE", None),
    PropertyType.SHOP: ("TRADING", None),
}


class EnergyClass(models.TextChoices):
    """French DPE/GES classes; blank means not yet known."""

    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    E = "E", "E"
    F = "F", "F"
    G = "G", "G"
    __empty__ = _("Not yet known")


class ProcessingStatus(models.TextChoices):
    """Where a media's own processing stands (upload, derivatives)."""

    PENDING = "PENDING", _("Processing")
    READY = "READY", _("Ready")
    FAILED = "FAILED", _("Failed")


# Media kinds in the order the portal displays their groups.
KIND_ORDER = [MediaKind.PICTURE, MediaKind.VIDEO, MediaKind.VIRTUAL_TOUR, MediaKind.PANORAMA]
