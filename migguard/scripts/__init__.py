"""Revision scripts on disk: find and parse them (``ast``, never imported to be read), write new
ones from templates, and the script-level caches; nothing here touches a database."""
