"""One router per purpose: the page behind the QR code, the JSON API, the lookup, the service's own files."""
