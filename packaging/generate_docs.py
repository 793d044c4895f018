#!/usr/bin/python3
"""Man pages and bash completion of vmfex-engine and vmfex-direct-pool,
generated at build time from their argparse parsers (engine_tools.cli and
vdsm_hook_vmfex.pool.cli make_parser), so a new command or option appears
in both without a hand-kept list.

    PYTHONPATH=. python3 packaging/generate_docs.py OUTDIR

writes OUTDIR/vmfex-engine.1, OUTDIR/vmfex-direct-pool.1 (argparse-manpage:
python3-argparse-manpage on EL, Fedora and Debian, argparse-manpage on PyPI)
and OUTDIR/completions/vmfex-engine, OUTDIR/completions/vmfex-direct-pool
(bash, written here: argparse-manpage is packaged everywhere the RPMs build,
shtab is not in EL). Runs on Python 3.6 (EL8) and without ovirtsdk4.
"""
import argparse
import importlib
import os
import sys

#: program -> (module, function building its parser)
PROGRAMS = {
    "vmfex-engine": ("engine_tools.cli", "make_parser"),
    "vmfex-direct-pool": ("vdsm_hook_vmfex.pool.cli", "make_parser"),
}
URL = "https://github.com/oVirt/vdsm-hook-vmfex"


def load_parser(program):
    module, function = PROGRAMS[program]
    return getattr(importlib.import_module(module), function)()


def manual_page(parser, program, version):
    """The roff text of the man page of `parser`."""
    try:
        from argparse_manpage.manpage import Manpage  # argparse-manpage >= 2
    except ImportError:
        from build_manpages.manpage import Manpage  # 1.x: Debian 12, EPEL 8
    try:
        page = Manpage(parser, _data={
            "project_name": "vdsm-hook-vmfex", "version": version, "url": URL,
            "manual_title": "vdsm-hook-vmfex", "description": _first_line(parser)})
    except TypeError:  # 1.x takes the parser alone
        page = Manpage(parser)
    return str(page)


def _first_line(parser):
    return (parser.description or parser.prog).splitlines()[0].rstrip(".:")


# -- bash completion ---------------------------------------------------------

class Node(object):
    """One (sub)command: its options, those taking a value, the choices of
    its positionals, and its subcommands."""

    def __init__(self, parser):
        self.options, self.valued, self.choices, self.commands = [], [], [], {}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    self.commands[name] = Node(sub)
            elif action.option_strings:
                if action.help == argparse.SUPPRESS:
                    continue  # hidden (deprecated) spellings are not offered
                self.options.extend(action.option_strings)
                if action.nargs != 0:
                    self.valued.extend(action.option_strings)
            elif action.choices:
                self.choices.extend(str(choice) for choice in action.choices)

    def walk(self, path=()):
        yield path, self
        for name in sorted(self.commands):
            yield from self.commands[name].walk(path + (name,))


def _words(items):
    return " ".join(items)


def completion_script(parser, program):
    """A bash script defining and registering the completion of `program`."""
    function = "_" + program.replace("-", "_")
    cases = []
    for path, node in Node(parser).walk():
        cases.append(
            '        "%s")\n'
            '            commands="%s"\n'
            '            options="%s"\n'
            '            valued="%s"\n'
            '            choices="%s" ;;'
            % (" ".join(path), _words(sorted(node.commands)), _words(node.options),
               _words(node.valued), _words(node.choices)))
    return TEMPLATE % {"program": program, "function": function, "cases": "\n".join(cases)}


TEMPLATE = """\
# bash completion of %(program)s, generated from its argparse parser by
# packaging/generate_docs.py: do not edit.

# Sets commands, options, valued (options taking a value) and choices for
# the command path $1 ("" for the program itself, "profiles create" ...).
%(function)s_node() {
    commands="" options="" valued="" choices=""
    case $1 in
%(cases)s
    esac
}

%(function)s() {
    local cur=${COMP_WORDS[COMP_CWORD]} path="" i=1 word
    local commands options valued choices
    %(function)s_node ""
    while [ "$i" -lt "$COMP_CWORD" ]; do
        word=${COMP_WORDS[i]}
        if [[ " $valued " == *" $word "* ]]; then
            i=$((i + 1))  # the option's value
        elif [[ $word != -* && " $commands " == *" $word "* ]]; then
            path=${path:+$path }$word
            %(function)s_node "$path"
        fi
        i=$((i + 1))
    done
    if [ "$COMP_CWORD" -gt 1 ] && [[ " $valued " == *" ${COMP_WORDS[COMP_CWORD - 1]} "* ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    elif [ -n "$commands$choices" ]; then
        COMPREPLY=($(compgen -W "$commands $choices" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

complete -o filenames -F %(function)s %(program)s
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", help="where the pages and completions/ go")
    args = parser.parse_args(argv)
    from vdsm_hook_vmfex.common.version import __version__
    completions = os.path.join(args.outdir, "completions")
    os.makedirs(completions, exist_ok=True)
    for program in sorted(PROGRAMS):
        program_parser = load_parser(program)
        with open(os.path.join(args.outdir, program + ".1"), "w", encoding="utf-8") as page:
            page.write(manual_page(program_parser, program, __version__))
        with open(os.path.join(completions, program), "w", encoding="utf-8") as script:
            script.write(completion_script(program_parser, program))
    return 0


if __name__ == "__main__":
    sys.exit(main())
