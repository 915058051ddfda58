"""Staff pages of resident demands: the worklist and the list, a demand's page with its actions, intake
and statistics. Each module holds short typed views: parse → authorise → call the service → render."""
