"""The catalogue import: the file format of SPEC.md ("Catalogue file"), read, checked and written in one transaction.

    reader      bytes → data + line numbers (size cap, UTF-8, YAML without anchors/aliases/tags, JSON)
    schema      the file as pydantic models (fields: the value types)
    validation  data → Catalogue, or every problem with its line and field path
    known       what the database already holds that the file refers to
    checks      repeated ids, references, status rules of the history
    writer      upserts (bulk), association sets, configuration; history inserts the tickets
    importer    the whole, all or nothing
"""
from storage.catalogue.bulk import Count
from storage.catalogue.importer import import_data, import_file, parse_file, write_catalogue
from storage.catalogue.problems import CatalogueRefused, Problem, format_loc
from storage.catalogue.reader import MAX_BYTES
from storage.catalogue.writer import ImportSummary

__all__ = [
    "MAX_BYTES",
    "CatalogueRefused",
    "Count",
    "ImportSummary",
    "Problem",
    "format_loc",
    "import_data",
    "import_file",
    "parse_file",
    "write_catalogue",
]
