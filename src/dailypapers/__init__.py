"""dailypapers: a self-hostable research-papers hub (daily arXiv feed, upvotes, search, digests)."""

__version__ = "0.1.0"
