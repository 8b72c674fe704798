"""Engines that find critical points, behind one small interface (see :mod:`linnet_cli.engines.base`)."""
