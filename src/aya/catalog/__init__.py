"""catalog: the Product document, vocabularies, importers, the denormalizer, the sample catalog."""
