"""Import and export of places, service points and party organisations as an Excel workbook."""
