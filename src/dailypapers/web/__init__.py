"""Web edge of dailypapers: FastAPI app, server-rendered pages, templates and static files; HTTP errors live here."""
