"""The project's locale formats (settings.FORMAT_MODULE_PATH): Django's own, with what they get wrong here."""
