"""The Gallery tab: the media browser and manager."""

from directors_console.ui.gallery.tab import GalleryTab

__all__ = ["GalleryTab"]
