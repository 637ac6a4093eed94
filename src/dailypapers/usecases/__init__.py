"""Use cases of the Hub beyond papers and feeds, one mixin per area; hub.Hub combines them."""
