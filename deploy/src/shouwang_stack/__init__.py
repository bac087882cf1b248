"""Shouwang local stack: Kafka, PostgreSQL and the five services, started and stopped together."""
