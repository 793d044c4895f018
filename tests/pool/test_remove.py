"""`vmfex-direct-pool remove` on the command line."""
from tests.pool.helpers import BUSY
from vdsm_hook_vmfex.pool import cli


def test_remove_dry_run_under_running_domains_would_refuse(env, capsys):
    assert cli.main(["remove", "--dry-run", "--uri", "test://" + BUSY]) == 1
    assert "dry run: would refuse: refusing to remove network 'direct-pool'" \
        in capsys.readouterr()[1]
    assert cli.main(["remove", "--dry-run", "--force", "--uri",
                             "test://" + BUSY]) == 0
