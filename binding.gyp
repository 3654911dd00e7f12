# node-gyp build of the project's native addons (plain C on N-API), both
# built by npm run build:native (npm install and npm rebuild run it too);
# .npmrc's nodedir=/usr keeps node-gyp offline.
#  - qnfv_tun: TUN packet I/O (virtual-router/tun/native/tun.c), loaded by
#    virtual-router/tun/tun-addon.ts.
#  - qnfv_esp: ESP packet crypto on the OpenSSL that Node links statically and
#    exports (virtual-router/esp/native/esp-crypto.c; headers from
#    <nodedir>/include/node/openssl, symbols resolved from the node binary at
#    load time), loaded by virtual-router/esp/native-crypto.ts.
{
  "targets": [
    {
      "target_name": "qnfv_tun",
      "sources": ["virtual-router/tun/native/tun.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "qnfv_esp",
      "sources": ["virtual-router/esp/native/esp-crypto.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
