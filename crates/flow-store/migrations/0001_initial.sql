-- flow's storage schema, version 1.
--
-- This schema is flow-store's own format, not a dump of the engine's types: every enum is a
-- `status` (or `kind`) column naming the variant, with the variant's data in nullable columns
-- that only that variant fills. JSON values are TEXT; timestamps are INTEGER nanoseconds since
-- the Unix epoch (UTC). A scope is (scope_parent, scope_index): (0, 0) is the execution's top
-- level (step ids start at 1), otherwise the Parallel/Map step and the branch/iteration index.

CREATE TABLE executions (
    id                TEXT    NOT NULL PRIMARY KEY,
    name              TEXT    NOT NULL UNIQUE,
    definition_path   TEXT    NOT NULL,
    definition        TEXT    NOT NULL,
    definition_sha256 TEXT    NOT NULL,
    input             TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN
                        ('running', 'succeeded', 'failed', 'rolling_back', 'rolled_back', 'rollback_failed')),
    output            TEXT,     -- succeeded
    error             TEXT,     -- failed
    cause             TEXT,     -- failed
    failed_steps      TEXT,     -- rollback_failed: JSON array of step ids
    started_at        INTEGER NOT NULL,
    stopped_at        INTEGER,
    redrive_count     INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX executions_by_start ON executions (started_at);

CREATE TABLE events (
    execution_id      TEXT    NOT NULL REFERENCES executions (id),
    id                INTEGER NOT NULL,
    previous_event_id INTEGER NOT NULL,
    timestamp         INTEGER NOT NULL,
    kind              TEXT    NOT NULL,
    step_id           INTEGER,
    scope_parent      INTEGER NOT NULL,
    scope_index       INTEGER NOT NULL,
    details           TEXT    NOT NULL,
    PRIMARY KEY (execution_id, id)
) WITHOUT ROWID;

CREATE TABLE steps (
    execution_id   TEXT    NOT NULL REFERENCES executions (id),
    step_id        INTEGER NOT NULL,
    scope_parent   INTEGER NOT NULL,
    scope_index    INTEGER NOT NULL,
    state          TEXT    NOT NULL,
    input          TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN
                     ('running', 'backoff', 'waiting', 'fanned_out', 'succeeded', 'caught', 'failed')),
    attempt        INTEGER,  -- running, backoff
    parameters     TEXT,     -- running, backoff; succeeded (optional)
    wake_at        INTEGER,  -- backoff, waiting
    children       INTEGER,  -- fanned_out
    output         TEXT,     -- succeeded
    result         TEXT,     -- succeeded (optional)
    error          TEXT,     -- caught, failed
    cause          TEXT,     -- caught, failed
    next           TEXT,     -- caught
    entered_event  INTEGER NOT NULL,
    finished_event INTEGER,
    PRIMARY KEY (execution_id, step_id)
) WITHOUT ROWID;

CREATE TABLE scopes (
    execution_id TEXT    NOT NULL REFERENCES executions (id),
    scope_parent INTEGER NOT NULL,
    scope_index  INTEGER NOT NULL,
    input        TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    output       TEXT,   -- succeeded
    error        TEXT,   -- failed
    cause        TEXT,   -- failed
    PRIMARY KEY (execution_id, scope_parent, scope_index)
) WITHOUT ROWID;

CREATE TABLE compensations (
    execution_id TEXT    NOT NULL REFERENCES executions (id),
    step_id      INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    attempt      INTEGER,  -- running
    parameters   TEXT,     -- running
    result       TEXT,     -- succeeded
    error        TEXT,     -- failed
    cause        TEXT,     -- failed
    PRIMARY KEY (execution_id, step_id)
) WITHOUT ROWID;

-- Who drives an execution. process_start is the holder's start time as /proc reports it
-- (clock ticks since boot), stored bit for bit as a signed integer.
CREATE TABLE leases (
    execution_id  TEXT    NOT NULL PRIMARY KEY REFERENCES executions (id),
    host          TEXT    NOT NULL,
    pid           INTEGER NOT NULL,
    process_start INTEGER NOT NULL,
    acquired_at   INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL
) WITHOUT ROWID;
