-- credbot_report_origins as Base.metadata.create_all added it to existing databases
-- before migrations existed (commit 3ec1a50), on PostgreSQL. Together with main-dde5dff.postgresql.sql:
-- a database made by the code between that commit and migrations.

CREATE TABLE credbot_report_origins (
    report_id SERIAL NOT NULL,
    chat_id BIGINT NOT NULL,
    forwarded_from TEXT NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (report_id)
);

CREATE INDEX ix_credbot_report_origins_chat_id ON credbot_report_origins (chat_id);

CREATE INDEX ix_credbot_report_origins_created_at ON credbot_report_origins (created_at);
