#!/usr/bin/python3
"""Independent NETCONF client for the router test: ncclient (paramiko) against the router process.

Usage: ncclient-router.py HOST PORT USER KEYFILE EDIT_XML_FILE BAD_EDIT_XML_FILE
Prints one JSON object per step on stdout: hello, get-config (before), edit-config,
get-config (after), bad-edit (the rpc-error tag and message), closed.
"""
import json
import sys

from ncclient import manager
from ncclient.operations import RPCError

IKELESS_NS = 'urn:ietf:params:xml:ns:yang:ietf-i2nsf-ikeless'


def emit(**kw):
    print(json.dumps(kw), flush=True)


def main():
    host, port, user, keyfile, edit_file, bad_file = sys.argv[1:7]
    with open(edit_file) as f:
        edit = f.read()
    with open(bad_file) as f:
        bad = f.read()
    with manager.connect(host=host, port=int(port), username=user, key_filename=keyfile, hostkey_verify=False,
                         allow_agent=False, look_for_keys=False, timeout=15) as m:
        emit(step='hello', session_id=m.session_id, capabilities=list(m.server_capabilities))
        emit(step='get-config-before', data=m.get_config(source='running').data_xml)
        reply = m.edit_config(target='running', config=edit)
        emit(step='edit-config', ok=reply.ok)
        flt = ('subtree', '<ipsec-ikeless xmlns="%s"><sad/></ipsec-ikeless>' % IKELESS_NS)
        emit(step='get-config-after', data=m.get_config(source='running', filter=flt).data_xml)
        try:
            m.edit_config(target='running', config=bad)
            emit(step='bad-edit', tag=None)
        except RPCError as e:
            emit(step='bad-edit', tag=e.tag, message=e.message)
    emit(step='closed')


if __name__ == '__main__':
    main()
