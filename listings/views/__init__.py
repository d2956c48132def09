"""The agent's pages and the media manager's endpoints; every one goes through `listings.access`."""
