-- stopline schema, part 5: provisioned cameras (functions/cameras). The table is the source of
-- truth for the MediaMTX paths stopline manages; the config file still drives the analyzer.
-- `source` is the camera URL sealed by functions/_shared/secret_box.ts: 'v1:<iv>:<ciphertext>'
-- (AES-256-GCM, STOPLINE_SECRET_KEY) or 'plain:<url>' when no key is configured (dev).

create table if not exists cameras (
  id             text primary key check (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name           text not null check (length(name) between 1 and 100),
  source_sealed  text not null check (source_sealed like 'v1:%' or source_sealed like 'plain:%'),
  enabled        boolean not null default true,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now()
);

-- Ownership ledger: every MediaMTX path stopline has created. Reconcile deletes a path only when
-- it is listed here and no enabled camera wants it, so paths from mediamtx.yml or other tools are
-- never touched. A row leaves the ledger only after MediaMTX confirmed the deletion.
create table if not exists mediamtx_owned_paths (
  name        text primary key check (name ~ '^[A-Za-z0-9_-]{1,64}$'),
  created_at  timestamptz not null default now()
);
