-- owner_values summarises owned per (target, path, value): how many services hold that value
-- and one of them (sample). Reference counting asks "does anyone else own this node, with which
-- value?"; for a node shared by many services (a policer per bandwidth profile, a physical
-- interface) that answer must not read one row per owner.
CREATE TABLE owner_values (
    target TEXT    NOT NULL,
    path   TEXT    NOT NULL,
    value  TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    sample TEXT    NOT NULL,
    PRIMARY KEY (target, path, value)
) WITHOUT ROWID;

INSERT INTO owner_values (target, path, value, n, sample)
    SELECT target, path, value, COUNT(*), MIN(service_id) FROM owned GROUP BY target, path, value;

CREATE TRIGGER owned_values_insert AFTER INSERT ON owned BEGIN
    INSERT INTO owner_values (target, path, value, n, sample) VALUES (new.target, new.path, new.value, 1, new.service_id)
        ON CONFLICT (target, path, value) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER owned_values_delete AFTER DELETE ON owned BEGIN
    DELETE FROM owner_values WHERE target = old.target AND path = old.path AND value = old.value AND n <= 1;
    UPDATE owner_values SET n = n - 1,
        sample = CASE WHEN sample <> old.service_id THEN sample ELSE
            (SELECT service_id FROM owned WHERE target = old.target AND path = old.path AND value = old.value LIMIT 1) END
        WHERE target = old.target AND path = old.path AND value = old.value;
END;

CREATE TRIGGER owned_values_update AFTER UPDATE OF value ON owned WHEN old.value IS NOT new.value BEGIN
    DELETE FROM owner_values WHERE target = old.target AND path = old.path AND value = old.value AND n <= 1;
    UPDATE owner_values SET n = n - 1,
        sample = CASE WHEN sample <> old.service_id THEN sample ELSE
            (SELECT service_id FROM owned WHERE target = old.target AND path = old.path AND value = old.value LIMIT 1) END
        WHERE target = old.target AND path = old.path AND value = old.value;
    INSERT INTO owner_values (target, path, value, n, sample) VALUES (new.target, new.path, new.value, 1, new.service_id)
        ON CONFLICT (target, path, value) DO UPDATE SET n = n + 1;
END;
