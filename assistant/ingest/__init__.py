"""Files to documents: readers (bounded, OCR, OFD, legacy Office), cleaning, metadata, validity, chunking, and the ingest pipeline."""
