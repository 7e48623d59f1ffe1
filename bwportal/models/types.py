"""Column types shared by the models."""

from sqlalchemy import Enum


def enum_column(cls, length: int = 30) -> Enum:
    """A Python enum stored as its lower-case value in a VARCHAR, checked by the database.
    (Not a native PostgreSQL enum: adding a value then needs no ALTER TYPE.)"""
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])
