"""mig-tools shared library: clusters, client, sources, migration graph, checks and renderers."""

__version__ = "0.1.0"
