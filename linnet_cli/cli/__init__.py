"""The ``linnet`` command line: a thin shell over the library (``main``), one module per command in
``commands``, and the terminal rendering, plots and tables for a paper."""
