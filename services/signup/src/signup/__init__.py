"""mobilise signup service: campaign pages, pledges, volunteers, opt-in, unsubscribe, erasure."""
