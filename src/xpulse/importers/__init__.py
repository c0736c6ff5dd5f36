"""History users already hold, into the store with its provenance.

- :mod:`.archive` reads X's data archive (a zip, its unpacked folder, or a lone
  ``tweets.js``) into :class:`~xpulse.importers.model.ImportBatch`.
- :mod:`.analytics_csv` reads X's analytics exports (the 40-column per-post file and the
  newer ``account_analytics_content_*.csv``).
- :mod:`.load` writes a batch in ONE transaction: posts matched by id (an API read is never
  replaced), counts appended as observations at the export's time, marked with the file.

Pure readers, one writer: a file that cannot be read raises :class:`ImportFileError` before
anything is written.
"""
