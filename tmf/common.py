"""Building blocks shared by the TMF resources: base model, references, characteristics, prices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator


def _as_utc(value: datetime) -> datetime:
    # TMF dates are ISO 8601; a date without an offset is taken as UTC rather than rejected.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


def iso_z(value: datetime) -> str:
    """ISO 8601 with milliseconds and a `Z` suffix, the form TMF clients put in query strings."""
    return _as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class TmfModel(BaseModel):
    """Base of every TMF model: JSON names with `@`, unknown extension fields kept, not dropped."""

    model_config = ConfigDict(populate_by_name=True, extra="allow", ser_json_timedelta="float")

    type_: str | None = Field(default=None, alias="@type")
    base_type: str | None = Field(default=None, alias="@baseType")
    schema_location: str | None = Field(default=None, alias="@schemaLocation")

    def to_tmf(self) -> dict[str, Any]:
        """The JSON document a TMF client sees: aliases, no nulls, dates with `Z`."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class StrictTmfModel(TmfModel):
    """For nested parts whose fields we interpret: a misspelt field is an error, not ignored."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class EntityRef(TmfModel):
    id: str = Field(min_length=1)
    href: str | None = None
    name: str | None = None
    referred_type: str | None = Field(default=None, alias="@referredType")


class RelatedParty(TmfModel):
    id: str = Field(min_length=1)
    href: str | None = None
    name: str | None = None
    role: str | None = None
    referred_type: str = Field(alias="@referredType", min_length=1)


class Characteristic(TmfModel):
    name: str = Field(min_length=1)
    value_type: str | None = Field(default=None, alias="valueType")
    value: Any

    @field_validator("value")
    @classmethod
    def _has_value(cls, value: Any) -> Any:
        # TMF requires a value; a null one would vanish when optional nulls are dropped.
        if value is None:
            raise ValueError("a characteristic needs a value, not null")
        return value


class Note(TmfModel):
    id: str | None = None
    author: str | None = None
    date: UtcDatetime | None = None
    text: str = Field(min_length=1)


class Money(TmfModel):
    unit: str = "EUR"
    value: float


class Price(TmfModel):
    percentage: float | None = None
    tax_rate: float | None = Field(default=None, alias="taxRate")
    duty_free_amount: Money | None = Field(default=None, alias="dutyFreeAmount")
    tax_included_amount: Money | None = Field(default=None, alias="taxIncludedAmount")


class PriceAlteration(TmfModel):
    name: str | None = None
    description: str | None = None
    price_type: str = Field(alias="priceType")
    recurring_charge_period: str | None = Field(default=None, alias="recurringChargePeriod")
    price: Price
    priority: int | None = None


class OrderPrice(TmfModel):
    name: str | None = None
    description: str | None = None
    price_type: str | None = Field(default=None, alias="priceType")
    recurring_charge_period: str | None = Field(default=None, alias="recurringChargePeriod")
    price: Price | None = None
    price_alteration: list[PriceAlteration] | None = Field(default=None, alias="priceAlteration")
    product_offering_price: EntityRef | None = Field(default=None, alias="productOfferingPrice")


class ErrorBody(BaseModel):
    """TMF error representation, returned with every 4xx."""

    model_config = ConfigDict(populate_by_name=True)

    code: str
    reason: str
    message: str | None = None
    status: str | None = None
    reference_error: str | None = Field(default=None, alias="referenceError")
    type_: str = Field(default="Error", alias="@type")
