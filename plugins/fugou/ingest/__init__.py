"""Getting a shop's files into the warehouse: landing partitions loaded exactly once, history import.

* :mod:`fugou.ingest.reader`: reading one CSV/TSV (plain or gzip, UTF-8 or GBK) into contract columns;
* :mod:`fugou.ingest.plan`: which landing partitions are new or changed (the load manifest);
* :mod:`fugou.ingest.checks`: typing and checking rows, set-based, with a reason for every reject;
* :mod:`fugou.ingest.load`: loading the partitions into ``raw`` in one transaction (:func:`load_pending`);
* :mod:`fugou.ingest.history`: a history file split into daily landing partitions (:func:`import_history`);
* :mod:`fugou.ingest.mappings`: column layouts (the Taobao 订单报表, configured mappings) and value codes.
"""

from fugou.ingest.base import IngestError, file_checksum, shop_now
from fugou.ingest.load import load_pending

__all__ = ["IngestError", "file_checksum", "load_pending", "shop_now"]
