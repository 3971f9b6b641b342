{
  "targets": [
    {
      "target_name": "skiff_os",
      "sources": ["addon.c", "file-calls.c", "mount-calls.c", "spawn.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
