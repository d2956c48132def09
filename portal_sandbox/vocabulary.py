"""The portal's words: allowed values, status names and the messages the portal prints.

Everything the specification enumerates and the sandbox checks or emits lives here,
so that following a new minor version of the portal means editing one module.
"""

API_PREFIX = "/caas/v4"
TOKEN_PATH = "/oauth/token"

# The specification's pattern for the mandatory User-Agent header:
# "<software>/<version> <tool>/<version> <os>/<version>", no "/" or space inside a part.
USER_AGENT_PATTERN = r"^[^\/\s]+\/[^\/\s]+\s{1}[^\/\s]+\/[^\/\s]+\s{1}[^\/\s]+\/[^\/\s]+$"

# The specification's pattern for a media title: not blank, one line.
MEDIA_TITLE_PATTERN = r"(?!(^\s+$))^.+$"

PORTALS = ("SL", "BUCOM", "BD", "SLC", "SLN")
MEDIA_TYPES = ("PICTURE", "VIRTUAL_TOUR", "PANORAMA", "VIDEO")
MEDIA_CATEGORIES = (
    "BALCONY", "BASEMENT", "BATHROOM", "BEDROOM", "CHILDREN_ROOM", "CORRIDOR",
    "COVER_PICTURE", "ENERGY_CERTIFICATE", "ENTRY_HALL", "FLOOR_PLAN", "GARAGE", "GARDEN",
    "HOUSE_VIEW", "INDOOR", "KITCHEN", "LIVING_ROOM", "LOGO", "MAP", "MISC", "OUTDOOR",
    "OUTDOOR_BUILDING", "OUTDOOR_HOUSE", "OUTSIDE_VIEW", "POOL", "PROPERTY_INFORMATION",
    "SCHEMA", "SITE_PLAN", "STAIRS", "STORAGE_ROOM", "SURROUNDING", "TERRACE", "TOILETS",
    "VERANDA", "VIEW_FROM_PROPERTY", "WORK_ROOM",
)  # fmt: skip
ESTATE_TYPES = (
    "HOUSE", "APARTMENT", "PLOT", "OFFICE", "TRADING", "GASTRONOMY_HOTEL",
    "STORAGE_PRODUCTION", "AGRICULTURE_FORESTRY", "PARKING", "SENIOR", "PROJECT",
    "MISCELLANEOUS",
)  # fmt: skip
DISTRIBUTION_TYPES = ("BUY", "RENT", "COMPULSORY_AUCTION", "BUY_AUCTION")
SPACE_MEASURE_UNITS = (
    "SQUARE_METER", "SQUARE_INCH", "SQUARE_FOOT", "SQUARE_YARD", "HECTARE", "ACRE",
)  # fmt: skip
RENT_TIME_UNITS = ("DAY", "WEEK", "MONTH", "YEAR")
# French energy performance certificate (DPE) and greenhouse gas (GES) classes.
DPE_CERTIFICATE_TYPES = ("DPE_V01_2011", "DPE_V07_2021", "NOT_APPLICABLE", "EMPTY")
DPE_CLASSES = ("A", "B", "C", "D", "E", "F", "G")

# Keys of the RealEstate object ("data"); the schema refuses any other.
DATA_KEYS = (
    "estateType", "estateSubType", "distributionType", "location", "prices", "spaces",
    "conditions", "energy", "features", "structure", "texts", "management",
    "countrySpecific", "metaData", "contact", "links", "buildingProperty",
)  # fmt: skip
DATA_REQUIRED = ("estateType", "prices", "location", "metaData", "distributionType")


class ClassifiedStatus:
    """Classified statuses, with the portal's explanation of each."""

    RECEIVING = "RECEIVING"
    RECEIVED = "RECEIVED"
    CREATING = "CREATING"
    CREATED = "CREATED"
    CREATED_WITH_MEDIA_ERROR = "CREATED_WITH_MEDIA_ERROR"
    CREATING_FAILED = "CREATING_FAILED"
    UPDATING = "UPDATING"
    UPDATED = "UPDATED"
    UPDATED_WITH_MEDIA_ERROR = "UPDATED_WITH_MEDIA_ERROR"
    UPDATING_FAILED = "UPDATING_FAILED"
    DELETING = "DELETING"
    DELETED = "DELETED"
    DELETING_FAILED = "DELETING_FAILED"

    FINAL = frozenset({
        CREATED, CREATED_WITH_MEDIA_ERROR, CREATING_FAILED, UPDATED, UPDATED_WITH_MEDIA_ERROR,
        UPDATING_FAILED, DELETED, DELETING_FAILED,
    })  # fmt: skip

    MESSAGES = {
        RECEIVED: "The classified has successfully been transmitted to the next steps.",
        CREATING: "The classified is being created in our system.",
        CREATED: "The classified has successfully been created in our system.",
        CREATED_WITH_MEDIA_ERROR: "The classified has been created but some media failed to be processed.",
        UPDATING: "The classified is being updated in our system.",
        UPDATED: "The classified has successfully been updated in our system.",
        UPDATED_WITH_MEDIA_ERROR: "The classified has been updated but some media failed to be processed.",
        DELETING: "The classified is being deleted in our system.",
        DELETED: "The classified has successfully been deleted in our system.",
        CREATING_FAILED: "An error occurred while creating the classified in our system.",
        UPDATING_FAILED: "An error occurred while updating the classified in our system.",
        DELETING_FAILED: "An error occurred while deleting the classified in our system.",
    }


class MediaStatus:
    """Media statuses; the last four are the ones a finished revision reports."""

    ACCEPTED = "ACCEPTED"
    DOWNLOADING = "DOWNLOADING"
    DOWNLOADED = "DOWNLOADED"
    DOWNLOADING_FAILED = "DOWNLOADING_FAILED"
    CREATING_FAILED = "CREATING_FAILED"
    CREATED = "CREATED"
    UPDATED = "UPDATED"

    FAILED = frozenset({DOWNLOADING_FAILED, CREATING_FAILED})
    DISPLAYABLE = frozenset({CREATED, UPDATED})


# RFC 7807 "type" of the named 400 errors, as the specification documents them.
_ERRORS_DOC = "https://caas-api-documentation.kugawana.eu/doc/staging/seloger/ingest-v4/index.html#section/Errors/"
VALIDATION_ERROR_TYPE = _ERRORS_DOC + "Validation-Error"
DUPLICATED_CLASSIFIED_TYPE = _ERRORS_DOC + "Duplicated-Classifieds-Error"
DUPLICATED_MEDIA_TYPE = _ERRORS_DOC + "Duplicated-Media-Error"
PROBLEM_CONTENT_TYPE = "application/json+problem"  # sic: what the specification declares
