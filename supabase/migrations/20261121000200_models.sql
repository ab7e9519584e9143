-- stopline schema, part 3: detector models. Built-in models are converted by the analyzer from
-- npm packages; uploaded ONNX files live in the object store. Exactly one model is active.

create table if not exists models (
  id           text primary key check (id ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  name         text not null,
  kind         text not null,
  source       text not null check (source in ('builtin', 'upload')),
  uri          text check (uri is null or uri like 'minio://%'),
  sha256       text,
  size_bytes   bigint,
  input_shape  integer[],
  labels       jsonb,
  outputs      jsonb,
  active       boolean not null default false,
  created_at   timestamptz not null default now(),
  check (source = 'builtin' or uri is not null)
);
create unique index if not exists models_one_active on models (active) where active;

insert into models (id, name, kind, source, active) values
  ('nanodet-g', 'NanoDet-g 416 (COCO, Apache-2.0)', 'nanodet', 'builtin', true),
  ('mobilenetv3-centernet', 'MobileNetV3-CenterNet 512 (COCO)', 'centernet', 'builtin', false)
on conflict (id) do nothing;
