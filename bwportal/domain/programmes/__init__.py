"""Country programmes: their settings, catalogues and factories."""
