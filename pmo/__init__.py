"""The ``pmo`` command line."""
