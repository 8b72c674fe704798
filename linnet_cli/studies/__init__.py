"""Studies over many instances and shapes: tables of shapes with sampled real counts, the audit of
published values, the search for real critical points, and their distribution over a Dask cluster."""
