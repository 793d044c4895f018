"""The engine's host-deploy post-tasks file as an administrator has it.

ovirt-engine ships ovirt-host-deploy-post-tasks.yml.example; this is that
file with the administrator's one task (a firewalld port) enabled. Used by
tests/engine/commands/test_host_deploy.py and the demo (tools/demo_fleet.py).
"""

POST_TASKS_SAMPLE = """\
---
#
# Any additional tasks required to be executing during host deploy process can
# be added below
#
- name: Enable additional port on firewalld
  firewalld:
    port: "12345/tcp"
    permanent: yes
    immediate: yes
    state: enabled
"""
