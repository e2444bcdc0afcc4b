"""Drawings as strokes (polylines with pen widths) and their rendering: procedural abstract
shapes (``shapes``) and figures (``figures``), stroke-3 files (``stroke3``, read through
``safe_npz``), SVG files (``svg_reader``), and ``centrelines``, which traces a raster drawing
back into strokes so the rough effect can redraw them."""
