-- Web Push subscriptions (POST /api/push/subscriptions). The analyzer pushes a matching pass to
-- every row whose cameras (the subscribing token's `cameras` claim; null = all) include the pass's.
create table if not exists push_subscriptions (
  id bigserial primary key,
  endpoint text not null unique,
  p256dh text not null,
  auth text not null,
  cameras text[],
  subject text not null,
  user_agent text,
  created_at timestamptz not null default now()
);
create index if not exists push_subscriptions_subject on push_subscriptions (subject);
