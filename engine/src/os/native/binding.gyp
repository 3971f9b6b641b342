{
  "targets": [
    {
      "target_name": "skiff_os",
      "sources": ["skiff-os.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
