#!/bin/sh
# Write the secrets docker/compose.yaml reads, into docker/secrets/ (or DIR):
#   ari_password     the ARI password, for the service (IVR_ARI_PASSWORD_FILE)
#   ari_users.conf   the same password as Asterisk's ARI user (#included by ari.conf)
#   api_tokens       one write token for the HTTP API (IVR_API_TOKENS_FILE)
#   pg_password      the PostgreSQL password of compose.postgres.yaml (POSTGRES_PASSWORD_FILE)
#   db_url           the whole database URL with that password, for ivr (IVR_DB_FILE)
# Existing files are kept; delete them first to make new ones.
set -eu

dir=${1:-$(dirname "$0")/secrets}
mkdir -p "$dir"
umask 022

random() {
    head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | cut -c1-32
}

if [ ! -s "$dir/ari_password" ]; then
    password=$(random)
    printf '%s\n' "$password" > "$dir/ari_password"
    printf '[asterisk]\ntype = user\nread_only = no\npassword = %s\npassword_format = plain\n' \
        "$password" > "$dir/ari_users.conf"
fi

if [ ! -s "$dir/api_tokens" ]; then
    # token:scope[:advertiser[:name]]; several items are separated by commas.
    printf '%s:write::operator\n' "$(random)" > "$dir/api_tokens"
fi

if [ ! -s "$dir/pg_password" ]; then
    pg_password=$(random)
    printf '%s\n' "$pg_password" > "$dir/pg_password"
    printf 'postgresql://ivr:%s@postgres:5432/ivr\n' "$pg_password" > "$dir/db_url"
fi

echo "secrets in $dir (readable by the containers; keep the folder itself private)"
