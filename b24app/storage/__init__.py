"""The database: schema, migrations, the inbox, task records, clocks, portals and their tokens."""
