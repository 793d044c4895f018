"""The progress bar: drawn only on a terminal, never tearing result lines."""
import io

from engine_tools.commands.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal_and_for_long_runs():
    quiet = io.StringIO()
    bar = Progress(100, "updating VMs", quiet)
    for _ in range(100):
        bar.step()
    bar.close()
    assert quiet.getvalue() == ""
    short = Terminal()
    bar = Progress(5, "updating VMs", short)
    bar.step()
    assert short.getvalue() == ""
    tty, out = Terminal(), io.StringIO()
    bar = Progress(20, "updating VMs", tty)
    for n in range(20):
        bar.step()
        bar.print_line(out, "vm%d: changed\n" % n)
    bar.close()
    assert tty.getvalue().endswith("updating VMs [%s] 20/20\n" % ("#" * 30))
    assert "\r\033[K" in tty.getvalue()
    assert out.getvalue().count("changed\n") == 20


def test_advance_counts_a_page_at_once_and_never_overfills():
    tty = Terminal()
    bar = Progress(150, "reading VMs", tty)
    bar.advance(100)
    bar.advance(60)   # the engine had VMs added since it told the total
    bar.close()
    assert "reading VMs [%s] 100/150" % ("#" * 20 + "." * 10) in tty.getvalue()
    assert tty.getvalue().endswith("reading VMs [%s] 160/150\n" % ("#" * 30))
