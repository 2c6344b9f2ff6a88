#!/usr/bin/env bash
# Issue a UserSig with the `usersig` command, verify it, and decode it.
# The key is the sample key used throughout the tests; use your app's own.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p usersig-cli
usersig=target/release/usersig
export USERSIG_KEY=5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e

echo "$ usersig sign --sdkappid 1400000000 --expire 86400 xiaojun"
sig=$("$usersig" sign --sdkappid 1400000000 --expire 86400 xiaojun)
echo "$sig"
echo
echo "$ usersig verify --sdkappid 1400000000 xiaojun \"\$sig\""
"$usersig" verify --sdkappid 1400000000 xiaojun "$sig"
echo
echo "$ usersig inspect \"\$sig\"   # no key needed"
"$usersig" inspect "$sig"
