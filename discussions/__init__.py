"""Discussions between peers: a thread on every page of the knowledge base, free topics,
reactions and moderation. A plain library (SQLAlchemy models and services): it never
imports Flask nor the gateway, which wires it in."""
