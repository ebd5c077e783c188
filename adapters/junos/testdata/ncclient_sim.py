"""Drive the Go Junos NETCONF simulator with ncclient (software nobody on the team wrote).

Usage: /usr/bin/python3 ncclient_sim.py HOST PORT USER PASSWORD
Prints one line per step; exits non-zero with the failing step on the first failure.
"""
import sys
import time

from ncclient import manager
from ncclient.operations import RPCError

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

ELINE = """
<config><configuration>
  <interfaces><interface><name>ge-0/0/2</name>
    <flexible-vlan-tagging/>
    <encapsulation>flexible-ethernet-services</encapsulation>
    <unit><name>200</name><encapsulation>vlan-ccc</encapsulation><vlan-id>200</vlan-id></unit>
  </interface></interfaces>
  <protocols><l2circuit><neighbor><name>10.255.0.9</name>
    <interface><name>ge-0/0/2.200</name><virtual-circuit-id>200</virtual-circuit-id></interface>
  </neighbor></l2circuit></protocols>
</configuration></config>
"""

CONFIRMED = """
<config><configuration><interfaces><interface><name>ge-0/0/3</name>
  <description>confirmed but never confirmed</description>
</interface></interfaces></configuration></config>
"""

INVALID = """
<config><configuration><routing-instances><instance><name>CUST-X</name>
  <instance-type>vrf</instance-type>
</instance></routing-instances></configuration></config>
"""

FILTER = ("subtree", "<configuration><interfaces><interface><name>ge-0/0/2</name></interface></interfaces></configuration>")
FILTER3 = ("subtree", "<configuration><interfaces><interface><name>ge-0/0/3</name></interface></interfaces></configuration>")


def step(name):
    print("step:", name, flush=True)


def main():
    step("connect")
    m = manager.connect(host=host, port=port, username=user, password=password,
                        hostkey_verify=False, allow_agent=False, look_for_keys=False, timeout=10)
    step("capabilities")
    caps = list(m.server_capabilities)
    assert ":candidate" in m.server_capabilities, caps
    assert ":confirmed-commit" in m.server_capabilities, caps
    assert any("xml.juniper.net/netconf/junos" in c for c in caps), caps
    assert m.session_id, "no session id"
    step("lock")
    m.lock(target="candidate")
    step("edit-config")
    m.edit_config(target="candidate", config=ELINE)
    step("validate")
    m.validate(source="candidate")
    step("commit")
    m.commit()
    step("get-config")
    data = m.get_config(source="running", filter=FILTER).data_xml
    assert "ge-0/0/2" in data and "vlan-ccc" in data, data
    assert "lo0" not in data, "filter not applied: " + data
    step("commit confirmed")
    m.edit_config(target="candidate", config=CONFIRMED)
    m.commit(confirmed=True, timeout="1")
    data = m.get_config(source="running", filter=FILTER3).data_xml
    assert "never confirmed" in data, data
    step("auto rollback")
    deadline = time.time() + 10
    while True:
        data = m.get_config(source="running", filter=FILTER3).data_xml
        if "never confirmed" not in data:
            break
        if time.time() > deadline:
            raise AssertionError("confirmed commit did not roll back: " + data)
        time.sleep(0.1)
    step("rpc-error")
    m.edit_config(target="candidate", config=INVALID)
    try:
        m.commit()
    except RPCError as e:
        msg = str(e)
        assert "route-distinguisher" in msg, msg
        assert e.severity == "error", e.severity
    else:
        raise AssertionError("invalid commit accepted")
    m.discard_changes()
    step("unlock")
    m.unlock(target="candidate")
    step("close")
    m.close_session()
    print("ok", flush=True)


try:
    main()
except Exception as e:  # report the failure to the Go test
    print("FAIL:", type(e).__name__, e, flush=True)
    sys.exit(1)
