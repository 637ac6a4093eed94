"""Adapters: the implementations of ports.py (databases, HTTP clients, mailers); only wiring.py picks them."""
