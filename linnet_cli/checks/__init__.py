"""How sure a count is and what bounds it: completeness levels, Bézout, BKK and thesis bounds, mixed
volumes, Krawczyk certification, exact counts, the peer tools and the systems written for them."""
