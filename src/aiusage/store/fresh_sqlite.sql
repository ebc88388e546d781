CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 0001_initial

CREATE TABLE usage_events (
    id INTEGER NOT NULL, 
    source VARCHAR(64) NOT NULL, 
    dedup_key VARCHAR(255) NOT NULL, 
    ts_ms BIGINT NOT NULL, 
    account VARCHAR(128) DEFAULT '' NOT NULL, 
    provider VARCHAR(64) DEFAULT '' NOT NULL, 
    model VARCHAR(128) DEFAULT '' NOT NULL, 
    project VARCHAR(512) DEFAULT '' NOT NULL, 
    session VARCHAR(255) DEFAULT '' NOT NULL, 
    input_tokens BIGINT DEFAULT '0' NOT NULL, 
    output_tokens BIGINT DEFAULT '0' NOT NULL, 
    cache_read_tokens BIGINT DEFAULT '0' NOT NULL, 
    cache_write_5m_tokens BIGINT DEFAULT '0' NOT NULL, 
    cache_write_1h_tokens BIGINT DEFAULT '0' NOT NULL, 
    reasoning_tokens BIGINT DEFAULT '0' NOT NULL, 
    total_tokens BIGINT DEFAULT '0' NOT NULL, 
    requests INTEGER DEFAULT '1' NOT NULL, 
    cost_reported_usd FLOAT, 
    cost_calc_usd FLOAT, 
    group_key VARCHAR(255) DEFAULT '' NOT NULL, 
    sidechain SMALLINT DEFAULT '0' NOT NULL, 
    hidden SMALLINT DEFAULT '0' NOT NULL, 
    meta TEXT DEFAULT '{}' NOT NULL, 
    PRIMARY KEY (id), 
    CONSTRAINT uq_usage_events_source_dedup UNIQUE (source, dedup_key)
);

CREATE INDEX ix_usage_events_ts ON usage_events (ts_ms);

CREATE INDEX ix_usage_events_group ON usage_events (source, group_key);

CREATE TABLE usage_rollup (
    bucket BIGINT NOT NULL, 
    source VARCHAR(64) NOT NULL, 
    model VARCHAR(128) NOT NULL, 
    project VARCHAR(512) NOT NULL, 
    input_tokens BIGINT DEFAULT '0' NOT NULL, 
    output_tokens BIGINT DEFAULT '0' NOT NULL, 
    cache_read_tokens BIGINT DEFAULT '0' NOT NULL, 
    cache_write_5m_tokens BIGINT DEFAULT '0' NOT NULL, 
    cache_write_1h_tokens BIGINT DEFAULT '0' NOT NULL, 
    reasoning_tokens BIGINT DEFAULT '0' NOT NULL, 
    requests BIGINT DEFAULT '0' NOT NULL, 
    events BIGINT DEFAULT '0' NOT NULL, 
    calc_unknown BIGINT DEFAULT '0' NOT NULL, 
    auto_unknown BIGINT DEFAULT '0' NOT NULL, 
    first_ms BIGINT DEFAULT '0' NOT NULL, 
    last_ms BIGINT DEFAULT '0' NOT NULL, 
    cost_reported_usd FLOAT DEFAULT '0' NOT NULL, 
    cost_calc_usd FLOAT DEFAULT '0' NOT NULL, 
    cost_auto_usd FLOAT DEFAULT '0' NOT NULL, 
    PRIMARY KEY (bucket, source, model, project)
);

CREATE TABLE observations (
    id INTEGER NOT NULL, 
    ts_ms BIGINT NOT NULL, 
    account VARCHAR(128) NOT NULL, 
    metric VARCHAR(128) NOT NULL, 
    window_name VARCHAR(64) DEFAULT '' NOT NULL, 
    value FLOAT NOT NULL, 
    limit_value FLOAT, 
    unit VARCHAR(32) DEFAULT '' NOT NULL, 
    resets_at_ms BIGINT, 
    source VARCHAR(64) DEFAULT '' NOT NULL, 
    kind VARCHAR(16) DEFAULT 'official' NOT NULL, 
    meta TEXT DEFAULT '{}' NOT NULL, 
    PRIMARY KEY (id), 
    CONSTRAINT uq_observations_reading UNIQUE (account, metric, window_name, ts_ms)
);

CREATE INDEX ix_observations_ts ON observations (ts_ms);

CREATE TABLE ingest_cursors (
    path VARCHAR(2048) NOT NULL, 
    source VARCHAR(64) NOT NULL, 
    device BIGINT NOT NULL, 
    inode BIGINT NOT NULL, 
    size BIGINT NOT NULL, 
    mtime_ns BIGINT NOT NULL, 
    read_offset BIGINT NOT NULL, 
    head_hash VARCHAR(64) NOT NULL, 
    state TEXT DEFAULT '{}' NOT NULL, 
    malformed INTEGER DEFAULT '0' NOT NULL, 
    updated_ms BIGINT NOT NULL, 
    PRIMARY KEY (path)
);

CREATE TABLE price_cache (
    model VARCHAR(128) NOT NULL, 
    day VARCHAR(10) NOT NULL, 
    fingerprint VARCHAR(64) NOT NULL, 
    rates TEXT NOT NULL, 
    PRIMARY KEY (model, day)
);

CREATE TABLE meta (
    name VARCHAR(128) NOT NULL, 
    value TEXT NOT NULL, 
    PRIMARY KEY (name)
);

INSERT INTO alembic_version (version_num) VALUES ('0001_initial') RETURNING version_num;

-- Running upgrade 0001_initial -> 0002_account_health

CREATE TABLE account_health (
    account VARCHAR(128) NOT NULL, 
    provider VARCHAR(64) NOT NULL, 
    status VARCHAR(32) NOT NULL, 
    message TEXT DEFAULT '' NOT NULL, 
    hint TEXT DEFAULT '' NOT NULL, 
    last_attempt_ms BIGINT, 
    last_success_ms BIGINT, 
    complete_until_ms BIGINT, 
    retry_at_ms BIGINT, 
    failures INTEGER DEFAULT '0' NOT NULL, 
    PRIMARY KEY (account)
);

UPDATE alembic_version SET version_num='0002_account_health' WHERE alembic_version.version_num = '0001_initial';

-- Running upgrade 0002_account_health -> 0003_alerts

CREATE TABLE alert_state (
    alert_key VARCHAR(255) NOT NULL, 
    active INTEGER DEFAULT '0' NOT NULL, 
    severity VARCHAR(16) DEFAULT '' NOT NULL, 
    since_ms BIGINT, 
    last_sent_ms BIGINT, 
    sent_severity VARCHAR(16) DEFAULT '' NOT NULL, 
    value FLOAT, 
    PRIMARY KEY (alert_key)
);

CREATE TABLE alert_log (
    id INTEGER NOT NULL, 
    ts_ms BIGINT NOT NULL, 
    alert_key VARCHAR(255) NOT NULL, 
    rule VARCHAR(32) NOT NULL, 
    severity VARCHAR(16) NOT NULL, 
    title TEXT NOT NULL, 
    body TEXT DEFAULT '' NOT NULL, 
    value FLOAT, 
    threshold FLOAT, 
    status VARCHAR(16) NOT NULL, 
    delivery TEXT DEFAULT '{}' NOT NULL, 
    PRIMARY KEY (id)
);

CREATE INDEX ix_alert_log_ts ON alert_log (ts_ms);

UPDATE alembic_version SET version_num='0003_alerts' WHERE alembic_version.version_num = '0002_account_health';

-- Running upgrade 0003_alerts -> 0004_team

ALTER TABLE usage_events ADD COLUMN user_name VARCHAR(64) DEFAULT '' NOT NULL;

ALTER TABLE usage_events ADD COLUMN machine VARCHAR(128) DEFAULT '' NOT NULL;

ALTER TABLE observations ADD COLUMN user_name VARCHAR(64) DEFAULT '' NOT NULL;

ALTER TABLE observations ADD COLUMN machine VARCHAR(128) DEFAULT '' NOT NULL;

CREATE TABLE _alembic_tmp_observations (
    id INTEGER NOT NULL, 
    ts_ms BIGINT NOT NULL, 
    account VARCHAR(128) NOT NULL, 
    metric VARCHAR(128) NOT NULL, 
    window_name VARCHAR(64) DEFAULT '' NOT NULL, 
    value FLOAT NOT NULL, 
    limit_value FLOAT, 
    unit VARCHAR(32) DEFAULT '' NOT NULL, 
    resets_at_ms BIGINT, 
    source VARCHAR(64) DEFAULT '' NOT NULL, 
    kind VARCHAR(16) DEFAULT 'official' NOT NULL, 
    meta TEXT DEFAULT '{}' NOT NULL, 
    user_name VARCHAR(64) DEFAULT '' NOT NULL, 
    machine VARCHAR(128) DEFAULT '' NOT NULL, 
    PRIMARY KEY (id), 
    CONSTRAINT uq_observations_reading UNIQUE (user_name, account, metric, window_name, ts_ms)
);

INSERT INTO _alembic_tmp_observations (id, ts_ms, account, metric, window_name, value, limit_value, unit, resets_at_ms, source, kind, meta, user_name, machine) SELECT observations.id, observations.ts_ms, observations.account, observations.metric, observations.window_name, observations.value, observations.limit_value, observations.unit, observations.resets_at_ms, observations.source, observations.kind, observations.meta, observations.user_name, observations.machine 
FROM observations;

DROP TABLE observations;

ALTER TABLE _alembic_tmp_observations RENAME TO observations;

CREATE INDEX ix_observations_ts ON observations (ts_ms);

CREATE INDEX ix_usage_events_user_ts ON usage_events (user_name, ts_ms);

CREATE TABLE team_users (
    id INTEGER NOT NULL, 
    name VARCHAR(64) NOT NULL, 
    role VARCHAR(16) NOT NULL, 
    department VARCHAR(128) DEFAULT '' NOT NULL, 
    email VARCHAR(255) DEFAULT '' NOT NULL, 
    hide_projects SMALLINT DEFAULT '0' NOT NULL, 
    leaderboard SMALLINT DEFAULT '0' NOT NULL, 
    created_ms BIGINT NOT NULL, 
    disabled_ms BIGINT, 
    PRIMARY KEY (id), 
    UNIQUE (name)
);

CREATE TABLE team_tokens (
    id INTEGER NOT NULL, 
    user_id INTEGER NOT NULL, 
    token_sha256 VARCHAR(64) NOT NULL, 
    label VARCHAR(128) DEFAULT '' NOT NULL, 
    created_ms BIGINT NOT NULL, 
    last_used_ms BIGINT, 
    revoked_ms BIGINT, 
    PRIMARY KEY (id), 
    UNIQUE (token_sha256)
);

CREATE INDEX ix_team_tokens_user ON team_tokens (user_id);

CREATE TABLE team_audit (
    id INTEGER NOT NULL, 
    ts_ms BIGINT NOT NULL, 
    actor VARCHAR(64) NOT NULL, 
    action VARCHAR(64) NOT NULL, 
    target VARCHAR(255) DEFAULT '' NOT NULL, 
    detail TEXT DEFAULT '{}' NOT NULL, 
    PRIMARY KEY (id)
);

CREATE INDEX ix_team_audit_ts ON team_audit (ts_ms);

CREATE TABLE team_daily (
    day INTEGER NOT NULL, 
    user_name VARCHAR(64) NOT NULL, 
    source VARCHAR(64) NOT NULL, 
    model VARCHAR(128) NOT NULL, 
    project VARCHAR(512) NOT NULL, 
    input_tokens BIGINT DEFAULT '0' NOT NULL, 
    output_tokens BIGINT DEFAULT '0' NOT NULL, 
    cache_read_tokens BIGINT DEFAULT '0' NOT NULL, 
    cache_write_tokens BIGINT DEFAULT '0' NOT NULL, 
    reasoning_tokens BIGINT DEFAULT '0' NOT NULL, 
    requests BIGINT DEFAULT '0' NOT NULL, 
    events BIGINT DEFAULT '0' NOT NULL, 
    cost_usd FLOAT DEFAULT '0' NOT NULL, 
    PRIMARY KEY (day, user_name, source, model, project)
);

CREATE INDEX ix_team_daily_user_day ON team_daily (user_name, day);

CREATE TABLE team_outbox (
    id INTEGER NOT NULL, 
    kind VARCHAR(3) NOT NULL, 
    source VARCHAR(64) DEFAULT '' NOT NULL, 
    ref VARCHAR(255) NOT NULL, 
    PRIMARY KEY (id), 
    CONSTRAINT uq_team_outbox_ref UNIQUE (kind, source, ref)
);

UPDATE alembic_version SET version_num='0004_team' WHERE alembic_version.version_num = '0003_alerts';

-- Running upgrade 0004_team -> 0005_team_member_daily

CREATE TABLE team_member_daily (
    day INTEGER NOT NULL, 
    user_name VARCHAR(64) NOT NULL, 
    project VARCHAR(512) NOT NULL, 
    tokens BIGINT DEFAULT '0' NOT NULL, 
    requests BIGINT DEFAULT '0' NOT NULL, 
    events BIGINT DEFAULT '0' NOT NULL, 
    cost_usd FLOAT DEFAULT '0' NOT NULL, 
    PRIMARY KEY (day, user_name, project)
);

CREATE INDEX ix_team_member_daily_user_day ON team_member_daily (user_name, day);

INSERT INTO team_member_daily (day, user_name, project, tokens, requests, events, cost_usd) SELECT day, user_name, project, SUM(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens), SUM(requests), SUM(events), SUM(cost_usd) FROM team_daily GROUP BY day, user_name, project;

UPDATE alembic_version SET version_num='0005_team_member_daily' WHERE alembic_version.version_num = '0004_team';

