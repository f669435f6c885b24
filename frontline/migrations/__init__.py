"""Versioned SQL migrations of the PostGIS store (``NNNN_name.sql``).

They are applied by :func:`frontline.postgis_schema.migrate`.
"""
