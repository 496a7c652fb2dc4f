"""A small shop: customers, products, orders and order lines."""
