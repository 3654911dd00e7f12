#!/usr/bin/python3
"""Independent NETCONF notification receiver for the router test: ncclient subscribes
(RFC 5277 create-subscription), installs an SA with a short soft lifetime over
edit-config, and waits for the router's RFC 9061 sadb-expire notification.

Usage: ncclient-notify.py HOST PORT USER KEYFILE EDIT_XML_FILE
Prints one JSON object: {"notification": "<notification …>…</notification>"} or {"notification": null}.
"""
import json
import sys

from ncclient import manager


def main():
    host, port, user, keyfile, edit_file = sys.argv[1:6]
    with open(edit_file) as f:
        edit = f.read()
    with manager.connect(host=host, port=int(port), username=user, key_filename=keyfile, hostkey_verify=False,
                         allow_agent=False, look_for_keys=False, timeout=15) as m:
        m.create_subscription()
        m.edit_config(target='running', config=edit)
        n = m.take_notification(block=True, timeout=15)
        print(json.dumps({"notification": n.notification_xml if n is not None else None}), flush=True)


if __name__ == '__main__':
    main()
