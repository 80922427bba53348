"""Views of the bookkeeping app: integration settings and the sync pages."""
