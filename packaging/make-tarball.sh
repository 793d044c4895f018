#!/bin/bash
# Source tarball and spec of vdsm-hook-vmfex, versioned from
# vdsm_hook_vmfex/common/version.py (the one place the version lives).
#
#   packaging/make-tarball.sh OUTDIR       write OUTDIR/vdsm-hook-vmfex-VERSION.tar.gz,
#                                          print its path
#   packaging/make-tarball.sh --spec FILE  write the spec, version filled in
#   packaging/make-tarball.sh --version    print the version
#
# The tarball holds the tree's files (in a git checkout: tracked and untracked
# ones, not ignored ones) under vdsm-hook-vmfex-VERSION/, plus the generated
# vdsm-hook-vmfex.spec at its top, so `rpmbuild -ta` works on it.
set -euo pipefail

NAME=vdsm-hook-vmfex
here=$(cd "$(dirname "$0")/.." && pwd)

die() {
    echo "make-tarball.sh: $*" >&2
    exit 1
}

absolute() {
    case $1 in
        /*) echo "$1" ;;
        *) echo "$PWD/$1" ;;
    esac
}

read_version() {
    local version
    version=$(sed -n "s/^__version__ *= *[\"']\([^\"']*\)[\"'] *\$/\1/p" \
        "$here/vdsm_hook_vmfex/common/version.py")
    # RPM's Version may not be empty nor contain '-' (it separates the release).
    [[ $version =~ ^[0-9][0-9A-Za-z.+~_]*$ ]] ||
        die "vdsm_hook_vmfex/common/version.py: __version__ '$version' is not usable as an RPM" \
            "version: expected e.g. \"1.2.0\" (digits, letters, '.', '+', '~', '_')"
    echo "$version"
}

write_spec() {
    sed "s/@VERSION@/$2/g" "$here/packaging/$NAME.spec.in" > "$1"
}

# NUL-separated paths relative to the tree: any file name survives.
list_tree_files() {
    cd "$here"
    if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
        git ls-files -z --cached --others --exclude-standard
    else
        find . \( -name .git -o -name .venv -o -name dist -o -name build \
            -o -name __pycache__ -o -name '.*_cache' -o -name .hypothesis \
            -o -name '*.egg-info' \) -prune -o -type f -printf '%P\0'
    fi
}

make_tarball() {
    local outdir version top
    outdir=$(absolute "$1")
    version=$(read_version)
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    top="$NAME-$version"
    mkdir -p "$stage/$top" "$outdir"
    list_tree_files | while IFS= read -r -d '' path; do
        # git still lists files deleted from the work tree until committed.
        if [ -f "$here/$path" ]; then
            (cd "$here" && cp -p --parents "$path" "$stage/$top/")
        fi
    done
    write_spec "$stage/$top/$NAME.spec" "$version"
    tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner \
        -czf "$outdir/$top.tar.gz" "$top"
    echo "$outdir/$top.tar.gz"
}

case ${1:-} in
    --version) read_version ;;
    --spec)
        [ $# -eq 2 ] || die "usage: make-tarball.sh --spec FILE"
        version=$(read_version)
        write_spec "$(absolute "$2")" "$version"
        ;;
    -* | "") die "usage: make-tarball.sh OUTDIR | --spec FILE | --version" ;;
    *)
        [ $# -eq 1 ] || die "usage: make-tarball.sh OUTDIR"
        make_tarball "$1"
        ;;
esac
