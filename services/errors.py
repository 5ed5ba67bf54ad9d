"""The failures a service reports to its caller, each with a message fit to show the user."""


class ServiceError(Exception):
    """Something the user asked for cannot be done; `message` says why in plain words."""

    status = 400

    def __init__(self, message: str, field: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # What a program may act on (the API adds it to the error), e.g. the id of a duplicate.
        self.details = details


class Invalid(ServiceError):
    """The input is wrong: a missing field, a bad date, a file that is not a PDF."""

    status = 422


class NotFound(ServiceError):
    """No such record."""

    status = 404


class Conflict(ServiceError):
    """The record's state forbids it: a duplicate, an issued letter, a draft not yet issued."""

    status = 409


class Expired(ServiceError):
    """Too late: an officer's link past its deadline and grace."""

    status = 410


class Forbidden(ServiceError):
    """Not this person: a clerk approving a letter, or the one who prepared it."""

    status = 403


class Unavailable(ServiceError):
    """Cannot be done now, though it may later: a letter that took too long to render."""

    status = 503
