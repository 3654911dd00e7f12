# node-gyp build of the TUN packet I/O addon (virtual-router/tun/native/tun.c,
# plain C on N-API). Output: build/Release/qnfv_tun.node, loaded by
# virtual-router/tun/tun-addon.ts. Build: npm run build:native (npm install and
# npm rebuild run it too); .npmrc's nodedir=/usr keeps node-gyp offline.
{
  "targets": [
    {
      "target_name": "qnfv_tun",
      "sources": ["virtual-router/tun/native/tun.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
