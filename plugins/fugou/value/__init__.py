"""Predicted customer value: the BG/NBD purchase model and the Gamma-Gamma spend model.

dbt runs this (Python models under ``models/*/value``): the SQL models summarise every customer's
purchase history as of the day and compress it to distinct patterns; :mod:`fugou.value.fitting` fits
the two models on those patterns with pymc-marketing (weighted maximum likelihood), and
:mod:`fugou.value.scoring` turns the stored parameters into P(alive) and expected orders. Which fit is
due, and what counts as enough data, are dbt vars (``dbt_project.yml``, "predicted customer value").
"""
