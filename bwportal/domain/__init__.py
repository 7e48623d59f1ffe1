"""The rules, in plain Python over the models: no Flask request, no HTML."""
