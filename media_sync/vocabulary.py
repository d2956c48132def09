"""The portal's words: every path, header, field name and enumerated value we use.

Following a new minor version of the Aviv Classified API v4 should mean editing this
module only. Values come from the OpenAPI specification (v4.0.2) and the portal's page
"Manage media of a classified".
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Endpoints, relative to PORTAL_BASE_URL (".../caas/v4")
# ---------------------------------------------------------------------------
CLASSIFIEDS_PATH = "/classifieds"
CLASSIFIED_PATH = "/classifieds/{classified_id}"
CLASSIFIED_STATUSES_PATH = "/classifieds/{classified_id}/statuses"
STATUSES_FILTER_PARAM = "filter"
STATUSES_FILTER_LATEST = "latest"

# ---------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------
HEADER_AUTHORIZATION = "Authorization"
HEADER_USER_AGENT = "User-Agent"
HEADER_TRACEPARENT = "traceparent"
HEADER_ETAG = "ETag"
HEADER_IF_MATCH = "If-Match"
HEADER_RETRY_AFTER = "Retry-After"
HEADER_CONTENT_TYPE = "Content-Type"
HEADER_ACCEPT = "Accept"
JSON_CONTENT_TYPE = "application/json"
BEARER = "Bearer"

# "<software>/<version> <tool>/<version> <os>/<version>"; no "/" or space inside a part.
USER_AGENT_PATTERN = r"^[^\/\s]+\/[^\/\s]+\s{1}[^\/\s]+\/[^\/\s]+\s{1}[^\/\s]+\/[^\/\s]+$"

# ---------------------------------------------------------------------------
# OAuth 2.0 client credentials (JSON body)
# ---------------------------------------------------------------------------
TOKEN_GRANT_TYPE = "client_credentials"
TOKEN_FIELD_CLIENT_ID = "client_id"
TOKEN_FIELD_CLIENT_SECRET = "client_secret"
TOKEN_FIELD_GRANT_TYPE = "grant_type"
TOKEN_FIELD_AUDIENCE = "audience"
TOKEN_FIELD_INTERMEDIARY_ID = "intermediary_id"
TOKEN_FIELD_ACCESS_TOKEN = "access_token"
TOKEN_FIELD_EXPIRES_IN = "expires_in"

# ---------------------------------------------------------------------------
# Answers: 202 of POST/PUT, statuses, problem details (RFC 7807)
# ---------------------------------------------------------------------------
FIELD_CLASSIFIED_ID = "classifiedId"
FIELD_ITEMS = "items"
FIELD_NEXT_TOKEN = "nextToken"
FIELD_REVISION = "revision"
FIELD_STATUS = "status"
FIELD_SUB_STATUS = "subStatus"
FIELD_MESSAGE = "message"
FIELD_STATUS_DATE = "statusDate"
FIELD_MEDIA_STATUSES = "mediaStatuses"
FIELD_URL = "url"

PROBLEM_TYPE = "type"
PROBLEM_TITLE = "title"
PROBLEM_STATUS = "status"
PROBLEM_DETAIL = "detail"
PROBLEM_INSTANCE = "instance"
PROBLEM_ERRORS = "errors"
PROBLEM_ERROR_NAME = "name"
PROBLEM_ERROR_REASON = "reason"
PROBLEM_ERROR_SOURCE = "errorSource"

# Named 400 errors are told apart by their documented "type" (or, failing that, "title").
DUPLICATED_CLASSIFIED_TYPE_SUFFIX = "#section/Errors/Duplicated-Classifieds-Error"
DUPLICATED_MEDIA_TYPE_SUFFIX = "#section/Errors/Duplicated-Media-Error"
DUPLICATED_CLASSIFIED_TITLE = "Duplicated classified"
DUPLICATED_MEDIA_TITLE = "Duplicated media"
# "... identified by classifiedId: <id>. Classifieds must have unique offerEstateId."
CLASSIFIED_ID_IN_DETAIL = r"classifiedId:\s*([0-9A-Za-z-]+?)\.?(?:\s|$)"
# "This url: <url> is already sent on the media identified by mediaId ..."
URL_IN_DETAIL = r"url:\s*(\S+)\s+is already"

# ---------------------------------------------------------------------------
# The payload (AvivClassified)
# ---------------------------------------------------------------------------
PORTALS = "portals"
DATA = "data"
MEDIA = "media"
DEFAULT_PORTALS = ("SL",)

ESTATE_TYPE = "estateType"
ESTATE_SUB_TYPE = "estateSubType"
DISTRIBUTION_TYPE = "distributionType"
DISTRIBUTION_BUY = "BUY"
DISTRIBUTION_RENT = "RENT"

LOCATION = "location"
POSTAL_CODE = "postalcode"
CITY = "city"
STREET = "street"
HOUSE_NUMBER = "houseNumber"
COUNTRY = "country"

PRICES = "prices"
CURRENCY = "currency"
CURRENCY_EUR = "EUR"
PRICES_BUY = "buy"
PRICES_RENT = "rent"
BUY_PRICE = "price"
RENT_BASE_RENT = "baseRent"
AMOUNT = "amount"
PRICE_TIME_UNIT = "priceTimeUnit"
PRICE_TIME_UNIT_MONTH = "MONTH"

SPACES = "spaces"
SPACE_MEASURE_UNIT = "spaceMeasureUnit"
SQUARE_METER = "SQUARE_METER"
SPACES_RESIDENTIAL = "residential"
LIVING_SPACE = "livingSpace"
OVERALL_SPACE = "overallSpace"
PLOT_SPACE = "plotSpace"
RESIDENTIAL_ESTATE_TYPES = frozenset({"HOUSE", "APARTMENT"})
PLOT_ESTATE_TYPE = "PLOT"

STRUCTURE = "structure"
ROOMS = "rooms"
NUMBER_OF_ROOMS = "numberOfRooms"
NUMBER_OF_BEDROOMS = "numberOfBedRooms"

ENERGY = "energy"
COUNTRY_SPECIFIC = "countrySpecific"
FRANCE = "fr"
ENERGY_CERTIFICATE = "energyCertificate"
CERTIFICATE_TYPE = "certificateType"
# The DPE in force since July 2021; sent whenever a DPE or GES class is known.
CERTIFICATE_TYPE_CURRENT_DPE = "DPE_V07_2021"
EFFICIENCY_CLASS = "efficiencyClass"
GHG_EMISSION_CLASS = "GHGEmissionClass"

TEXTS = "texts"
HEADLINE = "headline"
DESCRIPTION = "description"
TEXT_LANGUAGE = "fr"

META_DATA = "metaData"
SOURCE = "source"
SOURCE_SYSTEM = "sourceSystem"
SOURCE_SYSTEM_VERSION = "sourceSystemVersion"
OFFERER_MARKETING_KEY = "offererMarketingKey"
OFFERER_ESTATE_ID = "offererEstateId"

# Media (no other key is allowed)
MEDIA_URL = "url"
MEDIA_TYPE = "mediaType"
MEDIA_CATEGORY = "category"
MEDIA_TAGS = "tags"
MEDIA_TITLE = "title"
MEDIA_TYPE_PICTURE = "PICTURE"
MEDIA_TYPE_VIDEO = "VIDEO"
MEDIA_TYPE_VIRTUAL_TOUR = "VIRTUAL_TOUR"
MEDIA_TYPE_PANORAMA = "PANORAMA"
# Display areas, in order: pictures first, then videos, virtual tours and panoramas.
MEDIA_TYPE_ORDER = (MEDIA_TYPE_PICTURE, MEDIA_TYPE_VIDEO, MEDIA_TYPE_VIRTUAL_TOUR, MEDIA_TYPE_PANORAMA)
COVER_PICTURE = "COVER_PICTURE"
MISC = "MISC"

# ---------------------------------------------------------------------------
# Statuses
# ---------------------------------------------------------------------------
CLASSIFIED_FINAL_STATUSES = frozenset({
    "RECEIVING_FAILED", "CREATED", "CREATED_WITH_MEDIA_ERROR", "CREATING_FAILED", "UPDATED",
    "UPDATED_WITH_MEDIA_ERROR", "UPDATING_FAILED", "DELETED", "DELETING_FAILED",
})  # fmt: skip
# Final statuses that ask the agent to act.
CLASSIFIED_ERROR_STATUSES = frozenset({
    "RECEIVING_FAILED", "CREATED_WITH_MEDIA_ERROR", "CREATING_FAILED", "UPDATED_WITH_MEDIA_ERROR",
    "UPDATING_FAILED", "DELETING_FAILED",
})  # fmt: skip
CLASSIFIED_MEDIA_ERROR_STATUSES = frozenset({"CREATED_WITH_MEDIA_ERROR", "UPDATED_WITH_MEDIA_ERROR"})
MEDIA_DOWNLOADING_FAILED = "DOWNLOADING_FAILED"
MEDIA_CREATING_FAILED = "CREATING_FAILED"
MEDIA_ERROR_STATUSES = frozenset({MEDIA_DOWNLOADING_FAILED, MEDIA_CREATING_FAILED})
