-- 0006_compact_ownership: what a service owns on a target becomes one row (owned_sets, its
-- leaves encoded by ownership.go: sorted, prefix-compressed paths and their values), and the
-- per-path lookups go through two narrow indexes keyed by a 47-bit hash of (target, path)
-- instead of b-trees keyed by the full path; long sets are deflated. The old layout wrote every leaf three times
-- (owned, owned_service, owner_values: about 250 bytes a leaf); this one about 40.
--
-- The Go half of this migration (migrateCompactOwnership) copies owned into the new tables
-- and then drops owned, owner_values and their triggers: SQL alone cannot compute the hashes.

-- Set ids are small integers chosen by the writer (MAX(id) + 1): owned_nodes and owned_below
-- repeat them once per leaf, where a service id would cost ten bytes more each.
CREATE TABLE owned_sets (
    id         INTEGER PRIMARY KEY,
    service_id TEXT    NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    target     TEXT    NOT NULL,
    leaves     BLOB    NOT NULL,
    UNIQUE (service_id, target)
);

-- One entry per owned leaf: node is the hash of (target, path); value is the leaf's value when
-- it is at most 8 bytes (TEXT), else an 8-byte hash of it (BLOB), so that the distinct values
-- of a node are distinct keys. Owners walks one entry per distinct value (skipping the rest
-- of each value's holders through the key), so a node shared by thousands of services costs
-- what a node with one owner does. A hash collision is caught by reading the holder's set.
CREATE TABLE owned_nodes (
    node   INTEGER NOT NULL,
    value  BLOB    NOT NULL,
    set_id INTEGER NOT NULL,
    PRIMARY KEY (node, value, set_id)
) WITHOUT ROWID;

-- How many sets have a path below each prefix (every proper prefix of an owned path that
-- ends before a '/'), keyed by a 64-bit hash of (target, prefix): the prefixes near the root
-- (interfaces, protocols/l2circuit, a shared port) are one row for all services instead of
-- one per set. OwnedBelow(p) is "n, less one if the excluded service has a path below p, is
-- positive". A collision of two prefixes' hashes (about 2^-64 a pair) could only make it
-- answer yes where no: the engine then keeps a node it could have deleted.
CREATE TABLE owned_below (
    node INTEGER NOT NULL PRIMARY KEY,
    n    INTEGER NOT NULL
);
