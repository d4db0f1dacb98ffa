"""Alerts: rules evaluated on what is ingested, open alerts kept in Redis, acted on from the
console (acknowledge, assign, resolve), every action audited."""
