-- stopline schema, part 4: every settings change saved through the config function. The YAML
-- is kept with camera credentials redacted (a revision list must not become a password list);
-- etag is the file's ETag right after the write, so a revision can be matched to the file.

create table if not exists config_revisions (
  id          bigserial primary key,
  created_at  timestamptz not null default now(),
  author      text not null,
  etag        text not null,
  yaml        text not null
);
create index if not exists config_revisions_created on config_revisions (created_at desc, id desc);
