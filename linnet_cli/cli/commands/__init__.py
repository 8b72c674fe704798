"""The ``linnet`` commands, one module each: option declarations, one call of the library, rendering.

:mod:`.options` holds the options several commands share and turns them into library objects.
"""
