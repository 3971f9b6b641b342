-- The example application's schema, run by postgres as an init script (and by migrate() at start).
CREATE TABLE IF NOT EXISTS notes (
  id         bigserial PRIMARY KEY,
  title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  body       text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
