"""mobilise organisers\x27 console."""
