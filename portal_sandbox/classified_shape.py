"""The rules a classified payload (AvivClassified) must honour, as the sandbox enforces them.

Checked in depth: the top level, ``portals``, ``media``, and in ``data`` the parts an
agency product sends (type, distribution, location, prices, spaces, rooms, texts, French
energy certificate, metadata). The other ``data`` sections must be objects but their
content is not checked. Two approximations are documented in docs/portal-sandbox.md:
language keys of texts are any two lowercase letters (the specification lists the 184
ISO 639-1 codes) and a currency is any three capital letters (it lists ISO 4217).
The sandbox is stricter than the schema on one point: a media ``url`` must be an
absolute http(s) URL (the specification declares ``format: url`` and the portal must
download it).
"""

from portal_sandbox import vocabulary as v
from portal_sandbox.validation import Arr, Bool, Enum, Int, Num, Obj, Rule, Str

ANY_OBJECT = Obj()
TEXT = Obj(key_pattern=r"[a-z]{2}", values=Str())

PRICE = Obj({
    "amount": Num(minimum=0),
    "vatValue": Num(minimum=0),
    "vatPercent": Num(minimum=0, maximum=100),
    "isVatIncluded": Bool(),
})  # fmt: skip

LOCATION = Obj(
    {
        "postalcode": Str(max_length=32),
        "city": Str(max_length=128),
        "street": Str(max_length=512),
        "houseNumber": Str(max_length=64),
        "unit": Str(max_length=64),
        "staircase": Str(max_length=64),
        "floorNumber": Int(minimum=-999, maximum=999),
        "entrance": Str(max_length=32),
        "state": Str(max_length=128),
        "country": Str(max_length=125),
        "geometry": ANY_OBJECT,
        "locationNote": TEXT,
        "showAddress": Bool(),
        "countrySpecific": ANY_OBJECT,
    },
    required=("postalcode", "city", "street", "houseNumber", "country"),
)

# Where the schema combines PriceCommon (no other key) with an object that also refuses
# other keys, no key satisfies both and only an empty object is valid. Mirrored on purpose.
EMPTY_ONLY = Obj({})

_BUY_PRICES = ("price", "minBuy", "housePrice", "plotPrice", "parkingPrice", "pricePerSqUnit")
_RENT_PRICES = (
    "baseRent", "minRent", "baseRentPerYear", "totalRent", "lease", "operatingCosts",
    "heatingCosts", "pricePerSqUnit", "pricePerSqUnitPerYear", "parkingRent",
)  # fmt: skip

PRICES = Obj({
    "currency": Str(pattern=r"^[A-Z]{3}$"),
    "buy": Obj({
        **{name: PRICE for name in _BUY_PRICES},
        **{name: EMPTY_ONLY for name in ("operatingCosts", "rentalIncome", "rentalIncomeExpect")},
        "leasehold": ANY_OBJECT,
        "countrySpecific": ANY_OBJECT,
        "isLeaseBuyCombi": Bool(),
        "yieldFactor": Num(),
    }),
    "rent": Obj({
        **{name: PRICE for name in _RENT_PRICES},
        "isHeatingIncludedInOC": Bool(),
        "isHeatingIncludedInTR": Bool(),
        "priceTimeUnit": Enum(*v.RENT_TIME_UNITS),
        "isParkingPriceIncluded": Bool(),
        "depositNote": TEXT,
        "countrySpecific": ANY_OBJECT,
    }),
    "compulsoryAuction": ANY_OBJECT,
    "buyAuction": ANY_OBJECT,
    "brokerageFee": EMPTY_ONLY,
    "showPrice": Bool(),
    "priceNote": TEXT,
    "countrySpecific": ANY_OBJECT,
})  # fmt: skip

_SPACES = (
    "buildingFront",
    "overallSpace",
    "usableFloorSpace",
    "spaceMax",
    "plotSpace",
    "additionalSpace",
    "kitchenSpace",
)
_RESIDENTIAL_SPACES = (
    "livingSpace", "livingRoomSpace", "atticSpace", "balconySpace", "cellarSpace", "gardenSpace",
    "terraceSpace", "bathRoomSpace", "showerRoomSpace", "diningRoomSpace",
)  # fmt: skip

SPACES = Obj(
    {
        "spaceMeasureUnit": Enum(*v.SPACE_MEASURE_UNITS),
        **{name: Num(minimum=0) for name in _SPACES},
        "spaceMin": Num(minimum=0, maximum=999),
        "plotFront": Num(minimum=0, maximum=999),
        "residential": Obj({name: Num(minimum=0) for name in _RESIDENTIAL_SPACES}),
        "commercial": ANY_OBJECT,
    },
    required=("spaceMeasureUnit",),
)

_ROOM_COUNTS = (
    "numberOfBedRooms", "numberOfBathRooms", "numberOfToilets", "numberOfPowderRooms",
    "numberOfBalconies", "numberOfTerraces", "numberOfKitchens", "numberOfUnits",
)  # fmt: skip

STRUCTURE = Obj({
    "building": ANY_OBJECT,
    "rooms": Obj({
        "numberOfRooms": Num(minimum=0),
        **{name: Int(minimum=0) for name in _ROOM_COUNTS},
        "hasDiningRoom": Bool(),
    }),
    "commercial": ANY_OBJECT,
    "parkingLots": ANY_OBJECT,
    "countrySpecific": ANY_OBJECT,
})  # fmt: skip

TEXTS = Obj({
    **{name: TEXT for name in ("headline", "description", "features", "extendedInformation", "area")},
    "transportation": ANY_OBJECT,
})  # fmt: skip

FRENCH_ENERGY_CERTIFICATE = Obj({
    "certificateType": Enum(*v.DPE_CERTIFICATE_TYPES),
    "overallEnergyNeed": Num(),
    "efficiencyClass": Enum(*v.DPE_CLASSES),
    "GHGEmission": Num(),
    "GHGEmissionClass": Enum(*v.DPE_CLASSES),
    "releaseDate": Str(),
    "energyConsumptionCostMin": Num(),
    "energyConsumptionCostMax": Num(),
    "yearOfConsumptionCostEstimation": Int(minimum=2010, maximum=2100),
    "dateOfConsumptionCostEstimation": Str(),
    "finalConsumption": Int(),
})  # fmt: skip

ENERGY = Obj({
    "energyType": ANY_OBJECT,
    "countrySpecific": Obj({
        "fr": Obj({
            "energyCertificate": FRENCH_ENERGY_CERTIFICATE,
            "tarificationEDF": Enum("BLEU", "JAUNE", "VERT"),
            "houseEnergyStandardType": Str(),
            "houseEnergyStandardTypes": Arr(items=Str()),
        }),
        **{country: ANY_OBJECT for country in ("de", "at", "ch", "be")},
    }),
})  # fmt: skip

_SOURCE_FIELDS = ("sourceSystem", "sourceSystemVersion", "offererMarketingKey", "offererEstateId")

META_DATA = Obj(
    {
        "source": Obj(
            {name: Str(max_length=512) for name in (*_SOURCE_FIELDS, "offererEstateGroupId")},
            required=_SOURCE_FIELDS,
        ),
        "projectId": Str(max_length=512),
        "createDate": Str(),
        "changeDate": Str(),
        "classifiedId": Str(max_length=36),
        "portalWebKey": Str(max_length=512),
        "changeLog": Arr(),
        "nbMedias": Num(),
    },
    required=("source",),
)

_DETAILED: dict[str, Rule] = {
    "estateType": Enum(*v.ESTATE_TYPES),
    "distributionType": Enum(*v.DISTRIBUTION_TYPES),
    "location": LOCATION,
    "prices": PRICES,
    "spaces": SPACES,
    "energy": ENERGY,
    "structure": STRUCTURE,
    "texts": TEXTS,
    "metaData": META_DATA,
}

DATA = Obj(
    {name: _DETAILED.get(name, ANY_OBJECT) for name in v.DATA_KEYS},
    required=v.DATA_REQUIRED,
)

MEDIA = Obj(
    {
        "url": Str(http_url=True),
        "mediaType": Enum(*v.MEDIA_TYPES),
        "category": Enum(*v.MEDIA_CATEGORIES),
        "tags": Arr(items=Enum(*v.MEDIA_CATEGORIES)),
        "title": Str(pattern=v.MEDIA_TITLE_PATTERN),
    },
    required=("url", "mediaType"),
)

SPECIFIC = Obj({
    "gsl": Obj({
        name: ANY_OBJECT
        for name in (
            "mainContactPerson", "additionalContactPerson",
            "mandateCoOwner1", "mandateCoOwner2", "mandateCoOwner3",
        )
    }),
    "iwt": Obj({}),
})  # fmt: skip

CLASSIFIED = Obj(
    {
        "portals": Arr(items=Enum(*v.PORTALS), max_items=5, unique=True),
        "data": DATA,
        "specific": SPECIFIC,
        "media": Arr(items=MEDIA),
    },
    required=("portals", "data"),
)
