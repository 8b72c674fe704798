"""The model: networks, instances, the gradient system and what a critical point is (zero patterns,
the sign symmetry, classification, the generic locus). Depends on nothing above it."""
