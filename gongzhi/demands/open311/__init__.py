"""Open311 GeoReport v2 for resident demands: services are the demand categories, their definitions the
category questions, requests the demands (see views.py for the endpoints, intake.py for submissions)."""
