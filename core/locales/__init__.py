"""Translation catalogs: one module per page (EN and ZH dicts), keys prefixed with the page name."""
