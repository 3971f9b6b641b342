#ifndef SKIFF_OS_H
#define SKIFF_OS_H

#include <node_api.h>

/* addon.c: a string argument (NULL for null/undefined); clears *ok for anything else or a NUL inside. */
char *skiff_string_arg(napi_env env, napi_value value, int *ok);

/* mount-calls.c */
napi_value js_mount(napi_env env, napi_callback_info info);
napi_value js_umount2(napi_env env, napi_callback_info info);
napi_value js_bind(napi_env env, napi_callback_info info);

/* file-calls.c */
napi_value js_mknod(napi_env env, napi_callback_info info);
napi_value js_lxattrs(napi_env env, napi_callback_info info);
napi_value js_lsetxattr(napi_env env, napi_callback_info info);

/* spawn.c */
napi_value js_spawn(napi_env env, napi_callback_info info);
napi_value js_watch_exit(napi_env env, napi_callback_info info);

#endif
