"""The Gallery's core: browse, index, search, rate, tag, rename, trash and de-duplicate
the media files of a project, without Qt. See each module's docstring."""
