-- 0010_customers: customers are first-class. A service's intent names its customer by id; a
-- service whose customer is not in this table is still valid (services created before customers
-- existed). sam_id maps the customer to the NMS (SAM) customer id; empty means unmapped.
-- version counts updates for ETags; created and updated are unix nanoseconds.

CREATE TABLE customers (
	id      TEXT NOT NULL PRIMARY KEY,
	name    TEXT NOT NULL,
	sam_id  TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
) STRICT;
