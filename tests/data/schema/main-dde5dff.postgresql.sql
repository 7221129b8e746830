-- The schema credbot's Base.metadata.create_all made before migrations (commit dde5dff,
-- bot/storage.py), on PostgreSQL: tests/test_migrations.py builds this, fills it with rows and
-- upgrades it. The statements create_all emitted, unqualified (they land in the
-- search_path's first schema).

CREATE TABLE credbot_bot_messages (
    chat_id BIGINT NOT NULL,
    message_id BIGINT NOT NULL,
    report_id INTEGER NOT NULL,
    kind VARCHAR(16) NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);

CREATE INDEX ix_credbot_bot_messages_created_at ON credbot_bot_messages (created_at);

CREATE INDEX ix_credbot_bot_messages_report_id ON credbot_bot_messages (report_id);

CREATE TABLE credbot_chat_settings (
    chat_id BIGSERIAL NOT NULL,
    language VARCHAR(16),
    autocheck BOOLEAN NOT NULL,
    threshold INTEGER NOT NULL,
    user_per_hour INTEGER,
    user_per_day INTEGER,
    chat_per_hour INTEGER,
    chat_per_day INTEGER,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (chat_id)
);

CREATE TABLE credbot_quota_counters (
    scope VARCHAR(8) NOT NULL,
    subject_id BIGINT NOT NULL,
    period VARCHAR(8) NOT NULL,
    window_start TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (scope, subject_id, period, window_start)
);

CREATE TABLE credbot_reports (
    id SERIAL NOT NULL,
    chat_id BIGINT NOT NULL,
    cache_key VARCHAR(160),
    language VARCHAR(16) NOT NULL,
    reusable BOOLEAN NOT NULL,
    article_json TEXT NOT NULL,
    report_json TEXT NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id)
);

CREATE INDEX ix_credbot_reports_cache_key ON credbot_reports (cache_key);

CREATE INDEX ix_credbot_reports_chat_id ON credbot_reports (chat_id);

CREATE INDEX ix_credbot_reports_created_at ON credbot_reports (created_at);

CREATE TABLE credbot_thread_messages (
    id SERIAL NOT NULL,
    report_id INTEGER NOT NULL,
    chat_id BIGINT NOT NULL,
    role VARCHAR(16) NOT NULL,
    text TEXT NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id)
);

CREATE INDEX ix_credbot_thread_messages_chat_id ON credbot_thread_messages (chat_id);

CREATE INDEX ix_credbot_thread_messages_created_at ON credbot_thread_messages (created_at);

CREATE INDEX ix_credbot_thread_messages_report_id ON credbot_thread_messages (report_id);
