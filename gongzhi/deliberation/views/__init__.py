"""Pages of consultation committees and joint meetings: staff pages, a member's page, the residents' page."""
