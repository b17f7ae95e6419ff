"""The sync benchmark against PouchDB, in parts; run it as ``python -m bench.sync_vs_pouchdb``."""
