"""mobilise counter service: live totals per campaign, country, region and partner."""
