#!/usr/bin/python3
"""Independent NETCONF client for qnfv's tests: ncclient (paramiko) against our server.

Usage: ncclient_session.py PORT USER (key=PATH | password=SECRET) NS
Prints one JSON object per step on stdout; prints {"step": "subscribed"} and then
waits for one notification (the test sends it when it sees that line).
"""
import json
import sys

from ncclient import manager
from ncclient.operations import RPCError


def emit(**kw):
    print(json.dumps(kw), flush=True)


def main():
    port, user, cred, ns = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    args = dict(host='127.0.0.1', port=port, username=user, hostkey_verify=False,
                allow_agent=False, look_for_keys=False, timeout=10)
    kind, _, value = cred.partition('=')
    if kind == 'key':
        args['key_filename'] = value
    else:
        args['password'] = value
    with manager.connect(**args) as m:
        emit(step='hello', session_id=m.session_id,
             base11='urn:ietf:params:netconf:base:1.1' in m.server_capabilities,
             notification='urn:ietf:params:netconf:capability:notification:1.0' in m.server_capabilities)
        m.edit_config(target='running', config=(
            '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
            '<sad xmlns="%s"><sad-entry><name>from-ncclient</name><spi>257</spi></sad-entry></sad>'
            '</config>' % ns))
        reply = m.get_config(source='running', filter=('subtree', '<sad xmlns="%s"/>' % ns))
        emit(step='get-config', data=reply.data_xml)
        try:
            m.edit_config(target='running', config=(
                '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" '
                'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0">'
                '<sad xmlns="%s"><sad-entry nc:operation="delete"><name>absent</name></sad-entry></sad>'
                '</config>' % ns))
            emit(step='error', tag=None)
        except RPCError as e:
            emit(step='error', tag=e.tag, message=e.message)
        m.create_subscription()
        emit(step='subscribed')
        n = m.take_notification(block=True, timeout=10)
        emit(step='notification', xml=None if n is None else n.notification_xml)
    emit(step='closed')


if __name__ == '__main__':
    main()
