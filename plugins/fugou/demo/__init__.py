"""The demo shop: a deterministic order history of a Chinese apparel shop, with planted campaign effects.

- :mod:`fugou.demo.generator`: ``generate()`` writes the shop's history files (orders, order lines, the
  product list, customers, opt-outs); the model it implements is described there;
- :mod:`fugou.demo.purchases`: its steps 1-5, the buying (calendar, customers, order events, lines, orders);
- :mod:`fugou.demo.shop_files`: its steps 6-8 (the customer file, opt-outs, the products file);
- :mod:`fugou.demo.sql`: the parameters, random streams and SQL helpers the steps are written with;
- :mod:`fugou.demo.catalog`: what the shop sells and who buys (products, seasons, customer attributes);
- :mod:`fugou.demo.effects`: campaign responses planted so that the evaluation has something to find;
- :mod:`fugou.demo.context`: what the generator hands to such an augmenter.
"""

from fugou.demo.context import Augmenter, DemoContext
from fugou.demo.generator import COLUMNS, ENTITIES, customer_id_of, default_end_date, generate

__all__ = ["COLUMNS", "ENTITIES", "Augmenter", "DemoContext", "customer_id_of", "default_end_date", "generate"]
