#!/bin/sh
# Prints the code version every result row records: `git describe` of the commit, and for a build
# with uncommitted changes or new files "-dirty-" plus a hash of its sources (tracked and new
# files, names and contents), so two different uncommitted builds never share a version.
# Outside git: "unknown-" plus the same hash over the source folders.
cd "$(dirname "$0")/.." || exit 1
hash_files() { tr '\n' '\0' | xargs -0 sha256sum 2>&1 | sha256sum | cut -c1-12; }
if v=$(git describe --always --dirty --abbrev=12 2>/dev/null); then
    new=$(git ls-files --others --exclude-standard | head -1)
    case $v in
    *-dirty) ;;
    *) [ -z "$new" ] && { echo "$v"; exit 0; }; v="$v-dirty" ;;
    esac
    echo "$v-$(git ls-files --cached --others --exclude-standard | LC_ALL=C sort | hash_files)"
else
    echo "unknown-$(find Makefile core sim analysis cli tools -type f | LC_ALL=C sort | hash_files)"
fi
