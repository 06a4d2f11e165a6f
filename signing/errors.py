"""One error root for the signing package."""


class SigningError(Exception):
    """Root of every error the signing package raises on purpose."""


class MalformedDocument(SigningError):
    """The input is not a signed certledger PDF at all (not a PDF, no signature, unreadable)."""


class RenderError(SigningError):
    """A document could not be laid out as a PDF page."""


class FontUnavailable(RenderError):
    """The CJK TrueType font every document embeds is missing or unreadable."""
